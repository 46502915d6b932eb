// The lifecycle of a submitted document as one table: every transition, the statuses it may start
// from, where it leads and what it writes to the history. The store (queues/document-store.ts) applies
// a transition with one Lua script of the same name that checks this guard in Redis, so a transition
// from a forbidden status writes nothing; no other code writes a document's state.
//
//   accept ──► accepted ──sign──► signed ──send──► sending ──archive──► archived
//                 │  └──sign-and-send──────────────►  │ ├─retry────────────► signed (resent later)
//                 │                                   │ ├─await-controller─► signed (lane parked)
//                 ├─park-payload-missing ─► parked ◄──┤ ├─park / park-send-failed / park-retry-exhausted
//                 └─park-sign-failed ─────► parked    │ └─reject ──────────► rejected
//   parked ──rerun──► signed (signed bytes kept) | accepted (none)
//
// Not transitions, because they write no state: a resubmission of the same document id (intake
// answers with the existing record), and the sweep's re-enqueue of an open document whose job is gone
// (the job is new, the record is untouched). Both are allowed only while a document is open.
import type { AckRecord, DocumentRecord, DocumentStatus, HistoryEvent } from './document-record.ts';
import { TERMINAL_STATUSES } from './document-record.ts';
import { GatewayError } from './errors.ts';
import type { SignatureReceipt } from './signature-receipt.ts';

/** Which document a transition is about. */
export interface DocumentRef {
  tenant: string;
  documentId: string;
}

/** Bytes as the store keeps them; a Node Buffer is one. */
type Bytes = Uint8Array;

export type Transition =
  /** Intake stored a new document. Only where no record with this id exists (any tenant). */
  | { kind: 'accept'; record: DocumentRecord; payload: Bytes }
  /** Intake could not enqueue what it had just stored: everything accept wrote goes again. */
  | { kind: 'discard'; ref: DocumentRef; submissionId: string }
  /** Signed, but the send must wait (circuit open): the signed bytes are final from here on. */
  | { kind: 'sign'; ref: DocumentRef; signed: Bytes; signature: SignatureReceipt }
  /** Signed and handed to the archive in the same step (the hot path: one round trip). */
  | { kind: 'sign-and-send'; ref: DocumentRef; signed: Bytes; signature: SignatureReceipt; attempt: number }
  /** (Re)send of the stored signed bytes, with a new message id. */
  | { kind: 'send'; ref: DocumentRef; attempt: number }
  /** A transient answer: back to signed; BullMQ's backoff schedules the next send. */
  | { kind: 'retry'; ref: DocumentRef; code: string; attempt: number; ack: AckRecord }
  /** The archive refused the whole controller: this document waits, signed, for the lane to resume. */
  | { kind: 'await-controller'; ref: DocumentRef; code: string; ack: AckRecord }
  /** The archive took the document; bytes and record now expire after their retention. */
  | { kind: 'archive'; ref: DocumentRef; submissionId: string; ack: AckRecord; retention: { payloadSeconds: number; recordSeconds: number } }
  /** Neither unsigned nor signed bytes exist any more. */
  | { kind: 'park-payload-missing'; ref: DocumentRef }
  /** The signer failed for good (e.g. SIGN_SELF_CHECK_FAILED). */
  | { kind: 'park-sign-failed'; ref: DocumentRef; code: string; text: string }
  /** Building or sending the message failed with a permanent coded error. */
  | { kind: 'park-send-failed'; ref: DocumentRef; code: string; text: string }
  /** Retries ran out (retry.attempts, or retryBudgetHours since acceptance). */
  | { kind: 'park-retry-exhausted'; ref: DocumentRef; text: string; ack: AckRecord }
  /** The archive answered with something an operator must look at. */
  | { kind: 'park'; ref: DocumentRef; code: string; text: string; ack: AckRecord }
  /** The archive rejected the document for good. */
  | { kind: 'reject'; ref: DocumentRef; code: string; text: string; ack: AckRecord }
  /** Operator rerun of a parked document as run + 1 (a new job id; the same record and history). */
  | { kind: 'rerun'; ref: DocumentRef; run: number; by: string; previousCode?: string };

export type TransitionKind = Transition['kind'];

export interface TransitionSpec {
  /** Statuses the transition may start from; empty for 'accept' (no record may exist yet). */
  readonly from: readonly DocumentStatus[];
  /** Statuses it may lead to (rerun: signed when signed bytes exist, else accepted; discard: none). */
  readonly to: readonly DocumentStatus[];
  /** History statuses it appends, in order. */
  readonly history: readonly HistoryEvent['status'][];
  /** Whether the document stays in the open set afterwards (what the crash sweep walks). */
  readonly open: boolean;
}

// `send` also starts from 'sending' (a crash or stalled job after the send began re-runs the job; the
// same signed bytes go again) and from 'accepted' (the lane sends whatever signed bytes it loaded; status
// and bytes are written together, so in practice a record with signed bytes says signed or sending).
export const LIFECYCLE: { readonly [K in TransitionKind]: TransitionSpec } = Object.freeze({
  accept: { from: [], to: ['accepted'], history: ['accepted'], open: true },
  discard: { from: ['accepted', 'signed'], to: [], history: [], open: false },
  sign: { from: ['accepted'], to: ['signed'], history: ['signed'], open: true },
  'sign-and-send': { from: ['accepted'], to: ['sending'], history: ['signed', 'sending'], open: true },
  send: { from: ['accepted', 'signed', 'sending'], to: ['sending'], history: ['sending'], open: true },
  retry: { from: ['sending'], to: ['signed'], history: ['retry'], open: true },
  'await-controller': { from: ['sending'], to: ['signed'], history: ['waiting'], open: true },
  archive: { from: ['sending'], to: ['archived'], history: ['archived'], open: false },
  'park-payload-missing': { from: ['accepted', 'signed'], to: ['parked'], history: ['parked'], open: false },
  'park-sign-failed': { from: ['accepted'], to: ['parked'], history: ['parked'], open: false },
  'park-send-failed': { from: ['signed', 'sending'], to: ['parked'], history: ['parked'], open: false },
  'park-retry-exhausted': { from: ['sending'], to: ['parked'], history: ['parked'], open: false },
  park: { from: ['sending'], to: ['parked'], history: ['parked'], open: false },
  reject: { from: ['sending'], to: ['rejected'], history: ['rejected'], open: false },
  rerun: { from: ['parked'], to: ['signed', 'accepted'], history: ['rerun'], open: true },
});

export const TRANSITION_KINDS: readonly TransitionKind[] = Object.freeze(Object.keys(LIFECYCLE) as TransitionKind[]);

/** Whether `kind` may start from `status` (undefined: no record). */
export function mayApply(kind: TransitionKind, status: DocumentStatus | undefined): boolean {
  const spec = LIFECYCLE[kind];
  return status === undefined ? spec.from.length === 0 : spec.from.includes(status);
}

/** The coded refusal of a transition from a status its guard does not list. */
export function transitionRefused(kind: TransitionKind, ref: DocumentRef, status: DocumentStatus | undefined): GatewayError {
  return new GatewayError('QUEUE_TRANSITION_REFUSED', `${kind} is not allowed from ${status ?? 'no record'}`, {
    details: { transition: kind, documentId: ref.documentId, from: status ?? null, allowed: [...LIFECYCLE[kind].from] },
  });
}

/** Throws QUEUE_TRANSITION_REFUSED unless the guard allows it. */
export function assertMayApply(kind: TransitionKind, ref: DocumentRef, status: DocumentStatus | undefined): void {
  if (!mayApply(kind, status)) throw transitionRefused(kind, ref, status);
}

/** Whether the sweep may put a document back on its queue, or intake answer a resubmission with it. */
export function isOpen(status: DocumentStatus): boolean {
  return !TERMINAL_STATUSES.has(status);
}

export function refOf(t: Transition): DocumentRef {
  return t.kind === 'accept' ? { tenant: t.record.tenant, documentId: t.record.documentId } : t.ref;
}

/** The code a transition records on its stream event (for a rerun: the code it was parked with). */
export function codeOf(t: Transition): string | undefined {
  switch (t.kind) {
    case 'retry':
    case 'await-controller':
    case 'park-sign-failed':
    case 'park-send-failed':
    case 'park':
    case 'reject':
      return t.code;
    case 'park-payload-missing':
      return 'QUEUE_PAYLOAD_MISSING';
    case 'park-retry-exhausted':
      return 'QUEUE_RETRY_BUDGET_EXHAUSTED';
    case 'rerun':
      return t.previousCode;
    default:
      return undefined;
  }
}

/** One entry of a tenant's durable lifecycle stream: ids, status and code only (never content or hetu). */
export interface LifecycleEvent {
  /** The stream entry id, to read on from. */
  id: string;
  type: TransitionKind;
  documentId: string;
  submissionId: string;
  /** Status after the transition; 'discarded' when the record is gone. */
  status: DocumentStatus | 'discarded';
  code?: string;
  at: string;
}
