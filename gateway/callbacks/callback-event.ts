// What a tenant is told, and in what shape. Only the lifecycle events a tenant can act on become
// callbacks (accepted, archived, parked, rejected) plus the non-delivery report; signing, sending and
// retries are the gateway's own business. A body carries ids, status, codes, timestamps, the controller
// OID and a summary of the archive's answer: never document content, a hetu, or free text from the
// archive (which might quote the document).
import type { CallbackEventType } from '../../config/schema.ts';
import type { DocumentRecord } from '../../domain/document-record.ts';
import type { LifecycleEvent, TransitionKind } from '../../domain/lifecycle.ts';

export type { CallbackEventType } from '../../config/schema.ts';

/** The callback a transition gives, if any. */
export function callbackTypeOf(kind: TransitionKind): Exclude<CallbackEventType, 'non-delivery'> | undefined {
  switch (kind) {
    case 'accept':
      return 'accepted';
    case 'archive':
      return 'archived';
    case 'park':
    case 'park-payload-missing':
    case 'park-sign-failed':
    case 'park-send-failed':
    case 'park-retry-exhausted':
      return 'parked';
    case 'reject':
      return 'rejected';
    default:
      return undefined;
  }
}

export interface CallbackBody {
  /** Unique per tenant and event: the idempotency key (also in Kanta-Gateway-Event-Id). */
  id: string;
  type: CallbackEventType;
  tenant: string;
  /** When the event happened in the gateway (not when it was delivered). */
  occurredAt: string;
  document: {
    documentId: string;
    submissionId: string;
    /** The status the event left the document in (for non-delivery: its status at the report). */
    status: string;
    code?: string;
    controller?: string;
    setId?: string;
    versionNumber?: number;
    acceptedAt?: string;
    /** Where the tenant reads the full status (GET, with its own credentials). */
    statusUrl: string;
  };
  /** The archive's answer, on archived, parked and rejected events when there was one. */
  ack?: { typeCode?: string; code?: string; messageId: string };
  /** On non-delivery reports: the limit that was passed. */
  nonDelivery?: { acceptedAt: string; limitMinutes: number };
}

function documentPart(ev: { documentId: string; submissionId: string; status: string; code?: string | undefined }, rec: DocumentRecord | undefined): CallbackBody['document'] {
  return {
    documentId: ev.documentId,
    submissionId: ev.submissionId,
    status: ev.status,
    ...(ev.code ? { code: ev.code } : {}),
    ...(rec ? { controller: rec.controller, setId: rec.setId, versionNumber: rec.versionNumber, acceptedAt: rec.acceptedAt } : {}),
    statusUrl: `/v1/documents/${encodeURIComponent(ev.submissionId || ev.documentId)}`,
  };
}

/**
 * The body of a lifecycle event's callback. `rec` is the record as read when the event is handled
 * (absent once it expired); the status and code are the event's own, so a later change does not leak
 * into an earlier event.
 */
export function lifecycleCallbackBody(tenant: string, ev: LifecycleEvent, type: Exclude<CallbackEventType, 'non-delivery'>, rec: DocumentRecord | undefined): CallbackBody {
  const ack = type !== 'accepted' && rec?.ack ? { ...(rec.ack.typeCode ? { typeCode: rec.ack.typeCode } : {}), ...(rec.ack.code ? { code: rec.ack.code } : {}), messageId: rec.ack.messageId } : undefined;
  return { id: ev.id, type, tenant, occurredAt: ev.at, document: documentPart(ev, rec), ...(ack ? { ack } : {}) };
}

/** The id of a document's non-delivery report: one per document, so a receiver can dedupe it too. */
export function nonDeliveryEventId(documentId: string): string {
  return `non-delivery:${documentId}`;
}

export function nonDeliveryCallbackBody(rec: DocumentRecord, limitMinutes: number, now: Date): CallbackBody {
  return {
    id: nonDeliveryEventId(rec.documentId),
    type: 'non-delivery',
    tenant: rec.tenant,
    occurredAt: now.toISOString(),
    document: documentPart({ documentId: rec.documentId, submissionId: rec.submissionId, status: rec.status, ...(rec.code ? { code: rec.code } : {}) }, rec),
    nonDelivery: { acceptedAt: rec.acceptedAt, limitMinutes },
  };
}
