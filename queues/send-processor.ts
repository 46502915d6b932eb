// What a send lane does with one document: wait for what it depends on, sign once, send through the
// access point's circuit, and turn the archive's answer into the document's next state. The signed
// bytes are stored before the first send; every resend (retry, crash recovery, rerun) sends exactly
// those bytes with a new message id, so the archive's identical-resend rule makes a duplicate a no-op.
// Every state change is a lifecycle transition applied by the store (domain/lifecycle.ts).
import { UnrecoverableError } from 'bullmq';
import type { AckRecord } from '../domain/document-record.ts';
import type { SignatureReceipt } from '../domain/signature-receipt.ts';
import { errorCodeOf, isErrorCode, ERROR_CATALOGUE } from '../domain/errors.ts';
import { codeOf, type Transition } from '../domain/lifecycle.ts';
import type { QueuesConfig } from '../config/schema.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { TERMINAL_STATUSES, type DocumentRecord, type DocumentStore, type DocumentStatus, type SendState } from './document-store.ts';
import type { DocumentSender, SendResult } from './ports.ts';
import { retryBudgetExhausted } from './retry-policy.ts';
import type { Semaphore } from './semaphore.ts';
import type { DocumentJob, LaneRef } from './topology.ts';

export interface SignResponse {
  signedXml: string;
  receipt: SignatureReceipt;
}

export interface LaneContext {
  lane: LaneRef;
  /** The signer port (one document at a time; the pool batches per signing key). */
  sign(identity: string, xml: string): Promise<SignResponse>;
  /** Bounds sends in flight for this lane (laneConcurrency). */
  sendSlots: Semaphore;
}

export interface FinishedEvent {
  record: DocumentRecord;
  status: DocumentStatus;
  code?: string;
  text?: string;
}

export interface SendProcessorDeps {
  store: DocumentStore;
  sender: DocumentSender;
  breakerFor(accessPoint: string): CircuitBreaker;
  queuesConfig(): QueuesConfig;
  /** A controller-level refusal: the lane is parked as a whole (paused until an operator resumes it). */
  onControllerBlocked(lane: LaneRef, code: string, text: string): Promise<void>;
  /**
   * Awaited before a terminal transition is written (the usage-log entry): a crash can then leave a
   * document finished in the log but not yet in its record — the lane resends it, the archive's
   * idempotency makes that harmless, and the entry is written again — but never the other way round.
   */
  recordFinished?(event: FinishedEvent): Promise<void>;
  onFinished?(event: FinishedEvent): void;
  onRetryBudgetExhausted?(record: DocumentRecord): void;
  onSend?(accessPoint: string, result: SendResult): void;
  now(): Date;
}

/**
 * One run of a document through the lane, whoever holds it: a BullMQ lane job (queues/workers.ts) or
 * the direct lane of the process that accepted it (queues/direct-lane.ts).
 */
export interface LaneJob {
  data: DocumentJob;
  /** Attempts this job already spent (BullMQ's attemptsMade). */
  attemptsMade: number;
  /** Attempts this job may spend in all (BullMQ's opts.attempts). */
  maxAttempts: number;
  /** The document waits until then, spending no attempt (a BullMQ job moves to delayed); never returns. */
  delayUntil(untilMs: number): Promise<never>;
  /** The record and bytes already in hand (a document just accepted here): spares the read. */
  state?: SendState;
}

function messageOf(code: string, text?: string): string {
  return text ?? (isErrorCode(code) ? ERROR_CATALOGUE[code].message : code);
}

export async function processLaneJob(job: LaneJob, ctx: LaneContext, deps: SendProcessorDeps): Promise<DocumentStatus> {
  const { tenant, documentId, run } = job.data;
  const ref = { tenant, documentId };
  const { store } = deps;
  const state = job.state ?? (await store.loadForSend(tenant, documentId));
  if (!state) throw new UnrecoverableError('QUEUE_PAYLOAD_MISSING: the document record is gone');
  const rec = state.record;
  // A job of an earlier run, or a document already finished (e.g. a stalled job re-run after its ack).
  if (rec.run !== run || TERMINAL_STATUSES.has(rec.status)) return rec.status;
  const cfg = deps.queuesConfig();

  // A transition into a terminal status, then the callback main.ts turns into metrics and the usage log.
  const finish = async (t: Extract<Transition, { kind: 'park' | 'reject' | 'park-payload-missing' | 'park-sign-failed' | 'park-send-failed' | 'park-retry-exhausted' }>) => {
    const code = codeOf(t);
    const text = 'text' in t && t.text ? t.text : undefined;
    const event: FinishedEvent = { record: rec, status: t.kind === 'reject' ? 'rejected' : 'parked', ...(code ? { code } : {}), ...(text ? { text } : {}) };
    await deps.recordFinished?.(event);
    const applied = await store.apply(t, deps.now());
    deps.onFinished?.({ ...event, status: applied.status as DocumentStatus });
  };

  // Kanta ordering: a version after its parent, a provider's document after the organizer's
  // asiakkuusasiakirja that opened its right. Waiting spends no attempt.
  for (const dep of rec.dependsOn) {
    const d = await store.findById(dep);
    if (d && !TERMINAL_STATUSES.has(d.status)) await job.delayUntil(deps.now().getTime() + cfg.dependencyPollMs);
  }

  const attempt = rec.attempts + 1;
  let signed = state.signed;
  let receipt: SignatureReceipt | undefined;
  if (!signed) {
    if (!state.payload) {
      await finish({ kind: 'park-payload-missing', ref });
      throw new UnrecoverableError('QUEUE_PAYLOAD_MISSING');
    }
    if (rec.signature?.origin === 'document') {
      // The document carries its custodian's own valid system signature (verified at intake); it goes
      // to the archive exactly as it came (signer.addSystemSignature: whenMissing).
      signed = state.payload;
      receipt = rec.signature;
    } else try {
      const res = await ctx.sign(rec.signingIdentity, state.payload.toString('utf8'));
      signed = Buffer.from(res.signedXml, 'utf8');
      receipt = res.receipt;
    } catch (err) {
      const code = errorCodeOf(err) ?? 'SIGN_FAILED';
      if (isErrorCode(code) && ERROR_CATALOGUE[code].retryable) throw new Error(`${code}: ${(err as Error).message}`);
      await finish({ kind: 'park-sign-failed', ref, code, text: (err as Error).message });
      throw new UnrecoverableError(code);
    }
  }

  const breaker = deps.breakerFor(rec.accessPoint);
  const admission = breaker.admit(deps.now().getTime());
  if (!admission.pass) {
    // Keep the signature even though the send waits: the bytes are final from here on.
    if (receipt) await store.apply({ kind: 'sign', ref, signed, signature: receipt }, deps.now());
    await job.delayUntil(admission.retryAtMs);
  }

  try {
    if (receipt) await store.apply({ kind: 'sign-and-send', ref, signed, signature: receipt, attempt }, deps.now());
    else await store.apply({ kind: 'send', ref, attempt }, deps.now());
  } catch (err) {
    // Not sent: the half-open circuit's probe slot is free again; BullMQ retries the job.
    breaker.releaseProbe();
    throw err;
  }
  let result: SendResult;
  try {
    result = await ctx.sendSlots.run(() => deps.sender.send(rec.accessPoint, { signedCda: signed!, operation: rec.operation, usage: rec.usage, decision: rec.decision, ...(rec.header ? { metadata: rec.header } : {}) }));
  } catch (err) {
    breaker.releaseProbe();
    // A coded, permanent error from building the message (e.g. a version without its RPLC parent,
    // an unknown access point) will not heal by retrying: park the document with its code.
    const code = errorCodeOf(err);
    if (code && !ERROR_CATALOGUE[code].retryable) {
      await finish({ kind: 'park-send-failed', ref, code, text: (err as Error).message });
      throw new UnrecoverableError(code);
    }
    throw err;
  }
  deps.onSend?.(rec.accessPoint, result);
  if (result.transportFailure) breaker.onFailure(deps.now().getTime(), result.retryAfterSeconds !== undefined ? result.retryAfterSeconds * 1000 : undefined);
  else breaker.onSuccess();

  const code = result.code ?? (result.action === 'archived' ? undefined : 'KANTA_APPLICATION_ERROR');
  const ack: AckRecord = { action: result.action, messageId: result.messageId, ...(result.code ? { code: result.code } : {}), ...(result.text ? { text: result.text } : {}), ...(result.ack ?? {}) };
  switch (result.action) {
    case 'archived':
      await deps.recordFinished?.({ record: rec, status: 'archived' });
      await store.apply({ kind: 'archive', ref, submissionId: rec.submissionId, ack, retention: { payloadSeconds: cfg.payloadRetentionSeconds, recordSeconds: cfg.recordRetentionSeconds } }, deps.now());
      deps.onFinished?.({ record: rec, status: 'archived' });
      return 'archived';
    case 'retry': {
      // A version whose parent the archive does not know (VERSION_UNKNOWN_SET) may be waiting for a parent
      // still on its way — but one never submitted would otherwise retry for the whole 72-hour budget.
      if (code === 'VERSION_UNKNOWN_SET' && rec.header?.parent && !(await store.findById(rec.header.parent.id)) && deps.now().getTime() - Date.parse(rec.acceptedAt) >= cfg.unknownParentWaitSeconds * 1000) {
        await finish({ kind: 'park', ref, code: 'QUEUE_PARENT_UNKNOWN', text: `the archive does not know the parent ${rec.header.parent.id} and it never passed through the gateway (waited ${cfg.unknownParentWaitSeconds} s)`, ack });
        throw new UnrecoverableError('QUEUE_PARENT_UNKNOWN');
      }
      if (retryBudgetExhausted(rec.acceptedAt, deps.now(), cfg.retry.retryBudgetHours) || job.attemptsMade + 1 >= job.maxAttempts) {
        deps.onRetryBudgetExhausted?.(rec);
        await finish({ kind: 'park-retry-exhausted', ref, text: `last error ${code}: ${messageOf(code!, result.text)}`, ack });
        throw new UnrecoverableError('QUEUE_RETRY_BUDGET_EXHAUSTED');
      }
      await store.apply({ kind: 'retry', ref, code: code!, attempt, ack }, deps.now());
      throw new Error(`${code}: ${messageOf(code!, result.text)}`);
    }
    case 'park':
      await finish({ kind: 'park', ref, code: code!, text: messageOf(code!, result.text), ack });
      throw new UnrecoverableError(code);
    case 'reject':
      await finish({ kind: 'reject', ref, code: code!, text: messageOf(code!, result.text), ack });
      throw new UnrecoverableError(code);
    case 'park-controller':
      await store.apply({ kind: 'await-controller', ref, code: code!, ack }, deps.now());
      await deps.onControllerBlocked(ctx.lane, code!, messageOf(code!, result.text));
      return job.delayUntil(deps.now().getTime() + 1_000);
  }
}
