// Intake, top to bottom, for every format:
//   read (format adapter → ParsedDocument) → header rules → resubmission? → schema (if configured) →
//   verify incoming signatures → test-person guard (the access point's environment) → decide
//   (controller + right) → claims (what the submission said about its routing agrees) → log (usage log) → store (one Lua script) → enqueue → bookkeeping.
// Each stage is a function with typed input and output; the HTTP route only hands in the submission
// and renders the result. Every refusal happens before anything is stored; once stored, the document is
// either logged and enqueued or removed again (Redis failing mid-way answers 503 and keeps nothing
// half-stored).
import { randomUUID } from 'node:crypto';
import { CLIENT_RELATIONSHIP_GROUP, type ActingPerson } from '../../domain/document-header.ts';
import { TERMINAL_STATUSES, type DocumentRecord } from '../../domain/document-record.ts';
import { GatewayError, storageCall } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import type { SignatureReceipt } from '../../domain/signature-receipt.ts';
import type { DocumentOperation } from '../../domain/values.ts';
import { messageIdText } from '../../domain/tenant-frame.ts';
import type { AccessPoint, Tenant, XmlLimitsConfig } from '../../config/schema.ts';
import { sha256Hex, type DocumentStore } from '../../queues/document-store.ts';
import { intakeAcceptedEvent, intakeRefusedEvents } from '../audit/audit-events.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { extractRightsFromClientRelationship } from '../routing/extract-rights.ts';
import type { RightEntriesByTask, RoutingIndex } from '../routing/index.ts';
import { checkIncomingSignatures, type IncomingSignaturePolicy } from './incoming-signatures.ts';
import type { IntakeFormat } from './formats.ts';
import type { CdaSchemaValidator } from './schema-validation.ts';
import { operationOf } from './operation.ts';
import type { IntakeDecision, RoutingPort } from './routing-port.ts';
import { checkTestPerson } from './test-person-guard.ts';

export interface Submission {
  format: IntakeFormat;
  body: Buffer;
  /** The operation the caller named, if any (Kanta-Operation header). */
  requestedOperation?: string;
  /** The acting person the caller named beside the document (REST headers); read inside the chain so a bad one is a counted refusal. */
  actingPerson?: () => ActingPerson | undefined;
}

export type IntakeResult =
  /** Stored, logged and queued: answer 202. */
  | { kind: 'accepted'; record: DocumentRecord }
  /** The same bytes were submitted before: answer 200 with the existing receipt. */
  | { kind: 'resubmitted'; record: DocumentRecord };

export interface IntakeDeps {
  store: Pick<DocumentStore, 'get' | 'create' | 'discard'>;
  /** `payload`: the bytes of the document just accepted (it may then run in the direct lane, queues/direct-lane.ts). */
  enqueue(record: DocumentRecord, payload?: Buffer): Promise<void>;
  routing: RoutingPort;
  /** The CDA schema validator for an access point, where one is configured. */
  schemaValidator?: (accessPointId: string) => CdaSchemaValidator | undefined;
  /** Verification of signatures a tenant already applied; absent: not checked. */
  incomingSignatures?: IncomingSignaturePolicy;
  /** The configured access point by id (its environment decides which clients pass); absent: no guard. */
  accessPoint?: (id: string) => Pick<AccessPoint, 'id' | 'environment' | 'processingCode' | 'testPersons'> | undefined;
  /** Structural limits for incoming XML (gateway.xml), read per request so a reload applies. */
  xmlLimits?: () => XmlLimitsConfig;
  /** Usage log (käyttöloki): every accepted and refused submission that concerns a client. */
  audit?: { log: AuditLog; index: () => Pick<RoutingIndex, 'organisations'> };
  logger: Logger;
  metrics?: GatewayMetrics;
  now?: () => Date;
}

// Redis errors on the request path become a coded 503 (domain/errors.ts storageCall).
const storage = storageCall;

// --- stages

/** Kanta's header rules that hold whatever format the document came in (kanta.md §2). */
export function checkHeader(parsed: ParsedDocument): DocumentOperation {
  const { header } = parsed;
  if (header.bodyId !== `OID${header.documentId}`) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'component/nonXMLBody/@ID must be "OID" followed by the document id', { details: { field: 'nonXMLBody/@ID' } });
  }
  return operationOf(header, parsed.requestedOperation);
}

/** An earlier submission of the same document: the same bytes are a resubmission, other bytes a conflict. */
export async function findResubmission(parsed: ParsedDocument, tenant: Tenant, deps: Pick<IntakeDeps, 'store' | 'enqueue'>): Promise<DocumentRecord | undefined> {
  const existing = await storage(() => deps.store.get(tenant.id, parsed.header.documentId));
  if (!existing) return undefined;
  if (existing.contentSha256 !== sha256Hex(parsed.cda)) throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
  // The first submission may have been stored while its answer (and enqueue) was lost to a Redis
  // hiccup: make sure an unfinished document is on its way (a live job makes this a no-op).
  if (!TERMINAL_STATUSES.has(existing.status)) await deps.enqueue(existing).catch(() => {});
  return existing;
}

/** The tenant's access point decides which clients may be sent to it (customer-test: test persons only). */
export function guardTestPersons(parsed: ParsedDocument, tenant: Tenant, deps: Pick<IntakeDeps, 'accessPoint'>): void {
  const ap = deps.accessPoint?.(tenant.accessPoint);
  if (ap) checkTestPerson(parsed.header, ap);
}

export async function decideRouting(parsed: ParsedDocument, operation: DocumentOperation, tenant: Tenant, routing: RoutingPort, at: Date): Promise<IntakeDecision> {
  const outcome = await storage(() => routing.decide(tenant, parsed.header, operation, at));
  if (!outcome.accepted) throw new GatewayError(outcome.code, outcome.message, { ruleId: outcome.ruleId, ...(outcome.details ? { details: outcome.details } : {}) });
  return outcome;
}

/**
 * What the submission claimed about its routing must be what the gateway decided: a Kanta-native frame's
 * käyttötilanne (own use vs registry-use right) is the tenant's own routing, and a tenant claiming own use
 * for a foreign registry (or a right for its own) is refused before anything is stored.
 */
export function checkClaims(parsed: ParsedDocument, decision: IntakeDecision): void {
  const claimed = parsed.claims?.usageSituation;
  if (claimed !== undefined && claimed !== decision.usageSituation) {
    throw new GatewayError('NATIVE_USE_SITUATION_MISMATCH', undefined, { ruleId: decision.ruleId, details: { field: 'controlActProcess/reasonCode (käyttötilanne)', claimed, decided: decision.usageSituation, controller: decision.controller } });
  }
}

/** The registry-use rights an asiakkuusasiakirja grants; refuses one whose right entries cannot be read. */
export function rightsGranted(parsed: ParsedDocument): RightEntriesByTask | undefined {
  return parsed.header.documentGroup === CLIENT_RELATIONSHIP_GROUP ? extractRightsFromClientRelationship(parsed.clientRelationshipJson) : undefined;
}

/** `keptSignature`: the document's own system signature the send lane sends as it is, instead of signing. */
export async function storeDocument(parsed: ParsedDocument, operation: DocumentOperation, decision: IntakeDecision, tenant: Tenant, store: IntakeDeps['store'], at: Date, keptSignature?: SignatureReceipt, submissionId?: string) {
  const { header } = parsed;
  const dependsOn = [...(header.parent ? [header.parent.id] : []), ...(decision.right && decision.rightSourceDocumentId ? [decision.rightSourceDocumentId] : [])];
  return storage(() =>
    store.create(
      {
        tenant: tenant.id,
        documentId: header.documentId,
        setId: header.setId,
        versionNumber: header.versionNumber,
        operation,
        documentGroup: header.documentGroup,
        ...(header.functionCode ? { functionCode: header.functionCode } : {}),
        controller: decision.controller,
        accessPoint: decision.accessPoint,
        signingIdentity: decision.signingIdentity,
        usage: decision.usageSituation,
        writerOrganisation: decision.writerOrganisation,
        ruleId: decision.ruleId,
        decision,
        header,
        ...(keptSignature ? { signature: keptSignature } : {}),
        ...(submissionId ? { submissionId } : {}),
        ...(header.tenantFrame ? { tenantMessageId: messageIdText(header.tenantFrame.messageId) } : {}),
        dependsOn,
      },
      parsed.cda,
      at,
    ),
  );
}

/**
 * The usage-log entry of an acceptance, written before the document is stored: a crash between the two
 * leaves an entry for a write that did not happen (the tenant, unanswered, sends again), never a stored
 * document without its entry. A store or enqueue that fails after it is answered by an intake-refused
 * entry (recordRefusal).
 */
export async function logAcceptance(submissionId: string, parsed: ParsedDocument, operation: DocumentOperation, decision: IntakeDecision, tenant: Tenant, deps: Pick<IntakeDeps, 'audit'>): Promise<void> {
  await storage(async () => void (await deps.audit?.log.append(intakeAcceptedEvent({ tenant, meta: parsed.header, operation, decision, submissionId }))));
}

/** Queued, or removed again if that fails: nothing stored stays without its job. */
export async function enqueueStored(record: DocumentRecord, payload: Buffer, deps: Pick<IntakeDeps, 'enqueue' | 'store'>): Promise<void> {
  await storage(() => deps.enqueue(record, payload)).catch(async (err: unknown) => {
    await deps.store.discard(record).catch(() => {});
    throw err;
  });
}

// --- the chain

export async function runIntake(tenant: Tenant, submission: Submission, deps: IntakeDeps): Promise<IntakeResult> {
  const at = (deps.now ?? (() => new Date()))();
  let parsed: ParsedDocument | undefined;
  try {
    parsed = await submission.format.read({
      body: submission.body,
      tenant,
      ...(submission.requestedOperation !== undefined ? { requestedOperation: submission.requestedOperation } : {}),
      ...(deps.xmlLimits ? { xmlLimits: deps.xmlLimits() } : {}),
    });
    // The acting person goes into the Kanta frame (authorOrPerformer); what the document itself says wins.
    const actingPerson = submission.actingPerson?.();
    if (actingPerson && !parsed.header.actingPerson) parsed = { ...parsed, header: { ...parsed.header, actingPerson } };
    const operation = checkHeader(parsed);

    const earlier = await findResubmission(parsed, tenant, deps);
    if (earlier) {
      deps.metrics?.intake.inc({ tenant: tenant.id, outcome: 'duplicate' });
      return { kind: 'resubmitted', record: earlier };
    }
    await deps.schemaValidator?.(tenant.accessPoint)?.validate(parsed.cda);
    const keptSignature = deps.incomingSignatures ? await checkIncomingSignatures(parsed, tenant, deps.incomingSignatures) : undefined;
    guardTestPersons(parsed, tenant, deps);
    const decision = await decideRouting(parsed, operation, tenant, deps.routing, at);
    checkClaims(parsed, decision);
    const granted = rightsGranted(parsed);

    const submissionId = randomUUID();
    await logAcceptance(submissionId, parsed, operation, decision, tenant, deps);
    const created = await storeDocument(parsed, operation, decision, tenant, deps.store, at, keptSignature, submissionId);
    if (!created.created) {
      // Lost a race with a concurrent identical submission: same rule as a resubmission.
      if (created.existing.contentSha256 !== sha256Hex(parsed.cda)) throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
      return { kind: 'resubmitted', record: created.existing };
    }
    await enqueueStored(created.record, parsed.cda, deps);

    const { header } = parsed;
    await deps.routing.afterAccept(tenant, header, operation, decision, granted, at).catch((err) =>
      deps.logger.warn('post-accept routing bookkeeping failed', { tenant: tenant.id, documentId: header.documentId, error: (err as Error).message }),
    );
    deps.metrics?.intake.inc({ tenant: tenant.id, outcome: 'accepted' });
    deps.logger.info('document accepted', { tenant: tenant.id, documentId: header.documentId, controller: decision.controller, ruleId: decision.ruleId, bytes: parsed.cda.length, format: parsed.format });
    return { kind: 'accepted', record: created.record };
  } catch (err) {
    await recordRefusal(err, tenant, parsed, deps);
    throw err;
  }
}

async function recordRefusal(err: unknown, tenant: Tenant, parsed: ParsedDocument | undefined, deps: IntakeDeps): Promise<void> {
  const code = err instanceof GatewayError ? err.code : 'INTERNAL';
  deps.metrics?.intake.inc({ tenant: tenant.id, outcome: code });
  if (!deps.audit) return;
  const events = intakeRefusedEvents({ tenant, ...(parsed ? { meta: parsed.header } : {}), code, ...(err instanceof GatewayError && err.ruleId ? { ruleId: err.ruleId } : {}), index: deps.audit.index() });
  for (const ev of events) await deps.audit.log.append(ev).catch((e) => deps.logger.error('usage log append failed', { code: (e as GatewayError).code ?? 'INTERNAL' }));
}
