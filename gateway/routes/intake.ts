// POST /v1/documents: parse → decide (route + right) → store → enqueue → 202 receipt.
// Every refusal happens before anything is stored; once stored, the document is either enqueued or
// removed again (Redis failing mid-way answers 503 and keeps nothing half-stored).
import express, { type Request, type Response, type Router } from 'express';
import type { DocumentMetadata, DocumentOperation } from '../../domain/document-header.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import type { Tenant } from '../../config/schema.ts';
import type { DocumentRecord, DocumentStore } from '../../queues/document-store.ts';
import { TERMINAL_STATUSES, sha256Hex } from '../../queues/document-store.ts';
import { tenantOf } from '../caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { intakeAcceptedEvent, intakeRefusedEvents } from '../audit/audit-events.ts';
import type { RoutingDecision, RoutingIndex, RoutingOutcome } from '../routing/index.ts';
import { receiptOf } from './receipt.ts';

/** What intake needs from routing: the decision (with its lookups) and what to record after acceptance. */
export interface RoutingPort {
  /** `rightSourceDocumentId`: the asiakkuusasiakirja that opened the right used, when it passed through the gateway. */
  decide(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, now: Date): Promise<RoutingOutcome & { rightSourceDocumentId?: string }>;
  /** Refuses (throws a coded error) a document whose routing-relevant body cannot be read, e.g. RKO entries. */
  validateClientRelationship(meta: DocumentMetadata, doc: Document): void;
  /** Learns rights from an accepted asiakkuusasiakirja and journals the routing input for dry runs. */
  afterAccept(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, decision: RoutingDecision, doc: Document, now: Date): Promise<void>;
}

export interface IncomingSignatureCheck {
  (xml: string, meta: DocumentMetadata, tenant: Tenant): Promise<{ valid: boolean; reason?: string }>;
}

export interface IntakeDeps {
  store: DocumentStore;
  enqueue(record: DocumentRecord): Promise<void>;
  routing: RoutingPort;
  /** Verifies signatures a tenant already applied (e.g. professional signatures). */
  verifyIncoming?: IncomingSignatureCheck;
  bodyLimitBytes: () => number;
  /** Usage log (käyttöloki): every accepted and refused submission that concerns a client. */
  audit?: { log: AuditLog; index: () => Pick<RoutingIndex, 'organisations'> };
  logger: Logger;
  metrics?: GatewayMetrics;
  now?: () => Date;
}

const XML_TYPES = /^(application|text)\/(xml|[a-z0-9.+-]*\+xml)\s*(;|$)/i;
const OPERATIONS = new Set<DocumentOperation>(['archive', 'version', 'void']);

function operationOf(req: Request, meta: DocumentMetadata): DocumentOperation {
  const asked = req.header('kanta-operation')?.trim().toLowerCase();
  if (asked === undefined || asked === '') return meta.versionNumber > 1 ? 'version' : 'archive';
  if (!OPERATIONS.has(asked as DocumentOperation)) throw new GatewayError('INTAKE_UNKNOWN_OPERATION');
  const op = asked as DocumentOperation;
  if ((op === 'version' || op === 'void') && !meta.parent) {
    throw new GatewayError('INTAKE_MISSING_FIELD', `A ${op} needs relatedDocument typeCode="RPLC" naming the parent`, { details: { field: 'relatedDocument' } });
  }
  if (op === 'archive' && meta.versionNumber !== 1) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'A new document has versionNumber 1; send later versions as Kanta-Operation: version', { details: { field: 'versionNumber' } });
  }
  return op;
}

/** Redis errors on the request path become a coded 503; coded errors pass through unchanged. */
async function storage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: err });
  }
}

export function intakeRouter(deps: IntakeDeps): Router {
  const router = express.Router();
  const now = deps.now ?? (() => new Date());

  const requireXml = (req: Request, _res: Response, next: (err?: unknown) => void) => {
    if (!XML_TYPES.test(req.header('content-type') ?? '')) return next(new GatewayError('INTAKE_UNSUPPORTED_MEDIA_TYPE'));
    next();
  };
  // The limit is read per request so a configuration reload applies without restart.
  const rawBody = (req: Request, res: Response, next: (err?: unknown) => void) => express.raw({ type: () => true, limit: deps.bodyLimitBytes() })(req, res, next);

  router.post('/v1/documents', requireXml, rawBody, async (req, res) => {
    const tenant = tenantOf(res);
    const at = now();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let meta: DocumentMetadata | undefined;
    try {
      if (body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
      const xml = body.toString('utf8');
      const doc = parseXmlSafely(xml);
      const header = readDocumentMetadata(doc);
      meta = header;
      if (header.bodyId !== `OID${header.documentId}`) {
        throw new GatewayError('INTAKE_INVALID_FIELD', 'component/nonXMLBody/@ID must be "OID" followed by the document id', { details: { field: 'nonXMLBody/@ID' } });
      }
      const operation = operationOf(req, header);

      // A resubmission of the same document answers with the existing receipt (idempotent intake).
      const existing = await storage(() => deps.store.get(tenant.id, header.documentId));
      if (existing) {
        if (existing.contentSha256 !== sha256Hex(body)) throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
        // The first submission may have been stored while its answer (and enqueue) was lost to a
        // Redis hiccup: make sure an unfinished document is on its way (a live job makes this a no-op).
        if (!TERMINAL_STATUSES.has(existing.status)) await deps.enqueue(existing).catch(() => {});
        deps.metrics?.intake.inc({ tenant: tenant.id, outcome: 'duplicate' });
        res.status(200).json(receiptOf(existing));
        return;
      }

      if (header.signatures.length > 0 && deps.verifyIncoming) {
        const check = await deps.verifyIncoming(xml, header, tenant);
        if (!check.valid) throw new GatewayError('INTAKE_INVALID_SIGNATURE', undefined, { details: { reason: check.reason ?? 'invalid' } });
      }

      const outcome = await storage(() => deps.routing.decide(tenant, header, operation, at));
      if (!outcome.accepted) {
        throw new GatewayError(outcome.code, outcome.message, { ruleId: outcome.ruleId, ...(outcome.details ? { details: outcome.details } : {}) });
      }

      deps.routing.validateClientRelationship(header, doc);
      const dependsOn = [
        ...(header.parent ? [header.parent.id] : []),
        ...(outcome.right && outcome.rightSourceDocumentId ? [outcome.rightSourceDocumentId] : []),
      ];
      const created = await storage(() =>
        deps.store.create(
          {
            tenant: tenant.id,
            documentId: header.documentId,
            setId: header.setId,
            versionNumber: header.versionNumber,
            operation,
            documentGroup: header.documentGroup,
            ...(header.functionCode ? { functionCode: header.functionCode } : {}),
            controller: outcome.controller,
            accessPoint: outcome.accessPoint,
            signingIdentity: outcome.signingIdentity,
            usage: outcome.usageSituation,
            writerOrganisation: outcome.writerOrganisation,
            ruleId: outcome.ruleId,
            decision: outcome,
            header,
            dependsOn,
          },
          body,
          at,
        ),
      );
      if (!created.created) {
        // Lost a race with a concurrent identical submission: same rule as above.
        if (created.existing.contentSha256 !== sha256Hex(body)) throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
        res.status(200).json(receiptOf(created.existing));
        return;
      }
      // Logged before it is queued, and undone if either fails: no write without its log entry.
      try {
        await deps.audit?.log.append(intakeAcceptedEvent({ tenant, meta: header, operation, decision: outcome, submissionId: created.record.submissionId }));
        await deps.enqueue(created.record);
      } catch (err) {
        await deps.store.discard(created.record).catch(() => {});
        throw err instanceof GatewayError ? err : new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: err });
      }
      await deps.routing.afterAccept(tenant, header, operation, outcome, doc, at).catch((err) =>
        deps.logger.warn('post-accept routing bookkeeping failed', { tenant: tenant.id, documentId: header.documentId, error: (err as Error).message }),
      );
      deps.metrics?.intake.inc({ tenant: tenant.id, outcome: 'accepted' });
      deps.logger.info('document accepted', { tenant: tenant.id, documentId: header.documentId, controller: outcome.controller, ruleId: outcome.ruleId, bytes: body.length });
      res.status(202).location(`/v1/documents/${encodeURIComponent(header.documentId)}`).json(receiptOf(created.record));
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : 'INTERNAL';
      deps.metrics?.intake.inc({ tenant: tenant.id, outcome: code });
      if (deps.audit) {
        const events = intakeRefusedEvents({ tenant, ...(meta ? { meta } : {}), code, ...(err instanceof GatewayError && err.ruleId ? { ruleId: err.ruleId } : {}), index: deps.audit.index() });
        for (const ev of events) await deps.audit.log.append(ev).catch((e) => deps.logger.error('usage log append failed', { code: (e as GatewayError).code ?? 'INTERNAL' }));
      }
      throw err;
    }
  });
  return router;
}
