// Complete, typed stand-ins for the values a document record carries (routing decision, signature
// receipt), for queue and store tests that do not run routing or signing.
import type { RoutingDecision } from '../../domain/routing-decision.ts';
import type { SignatureReceipt } from '../../domain/signature-receipt.ts';

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
