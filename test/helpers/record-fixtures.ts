// Complete, typed stand-ins for the values a document record carries (routing decision, signature
// receipt), for queue and store tests that do not run routing or signing.
import type { RoutingDecision } from '../../domain/routing-decision.ts';
import type { AckRecord } from '../../domain/document-record.ts';
import type { DocumentRef, Transition } from '../../domain/lifecycle.ts';
import type { SignatureReceipt } from '../../domain/signature-receipt.ts';
import type { DocumentStore } from '../../queues/document-store.ts';

/** What DocumentStore.create takes. */
export type TestRecordInput = Parameters<DocumentStore['create']>[0];

let serial = 0;

/**
 * A record as intake would store it for a document of `org`'s own registry (tenant 'ta', access point
 * 'ap', identity 'sig'), under a fresh document id unless `over` names one.
 */
export function testRecordInput(org: string, over: Partial<TestRecordInput> = {}): TestRecordInput {
  serial += 1;
  const documentId = over.documentId ?? `${org}.95.${Date.now()}${serial}`;
  return {
    tenant: 'ta',
    documentId,
    setId: documentId,
    versionNumber: 1,
    operation: 'archive',
    documentGroup: '5',
    controller: org,
    accessPoint: 'ap',
    signingIdentity: 'sig',
    usage: 'ownUse',
    writerOrganisation: org,
    ruleId: 'R-OWN-REGISTRY',
    decision: testDecision({ controller: org, writerOrganisation: org }),
    dependsOn: [],
    ...over,
  };
}

export function testDecision(over: Partial<RoutingDecision> = {}): RoutingDecision {
  return {
    accepted: true,
    controller: '1.2.246.10.1',
    registry: 'own',
    writerOrganisation: '1.2.246.10.1',
    accessPoint: 'ap',
    signingIdentity: 'sig',
    usageSituation: 'ownUse',
    ruleId: 'R-OWN-REGISTRY',
    explanation: 'test decision',
    configVersion: 'test',
    ...over,
  };
}

export function testReceipt(over: Partial<SignatureReceipt> = {}): SignatureReceipt {
  return {
    signatureId: 'sig_test',
    timestampId: 'CDA-timestamp.sig_test',
    signedAt: '2026-01-01T00:00:00Z',
    bodyId: 'OID1.2.3',
    bodyDigest: 'AAAA',
    signer: { subject: 'CN=test', issuer: 'CN=test CA', certificateSerial: '01', notAfter: '2027-01-01T00:00:00Z' },
    selfCheck: 'not-run',
    ...over,
  };
}

/** Takes a stored (accepted) document through signing and one send to `parked`, as the send lane would. */
export async function parkForTest(
  store: { apply(t: Transition, now?: Date): Promise<unknown> },
  ref: DocumentRef,
  park: { code: string; text?: string; ack?: AckRecord; signature?: SignatureReceipt },
): Promise<void> {
  await store.apply({ kind: 'sign-and-send', ref, signed: Buffer.from('<ClinicalDocument/><!--signed-->'), signature: park.signature ?? testReceipt(), attempt: 1 });
  await store.apply({ kind: 'park', ref, code: park.code, text: park.text ?? park.code, ack: park.ack ?? { action: 'park', messageId: 'm-test', code: park.code } });
}
