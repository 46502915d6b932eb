// Signing off the caller's event loop: a worker_threads pool sized to the cores (libs.md §2: two
// threads gave 1.65–1.75×; a blocked loop also starves BullMQ lock renewal, which re-runs a job and can
// double-send to Kanta). Each worker loads the keys once and reloads them on rotation. Output is
// byte-for-byte what signSystem makes on one thread. Errors come back as GatewayError by code.
//
// Signing is a batch signer in the X-Road way: sign() only queues the document under its signing key;
// a worker that has room takes everything queued for one key (the key whose oldest document has waited
// longest, up to MAX_BATCH) as one message and answers with one message. Callers need not batch: what
// piles up while the workers are busy is drained in batches, and nothing waits for a timer. Each
// worker holds at most BATCHES_PER_WORKER batches, so the next is already there when one finishes, and
// the rest stays in the pool's queue where any worker (a replacement one too) can take it.
import type { Worker } from 'node:worker_threads';
import os from 'node:os';
import { GatewayError } from '../domain/errors.ts';
import type { SigningIdentityConfig } from '../config/schema.ts';
import type { DocumentSigner } from '../domain/ports.ts';
import type { SignatureReceipt } from './system-signer.ts';
import { startModuleWorker } from './worker-bootstrap.ts';
import type { BatchResult, FromThread, PlainError, ToThread, VerifyRequestOptions } from './sign-thread-protocol.ts';
import type { VerificationResult } from './verify.ts';

export interface SignerPoolOptions {
  identities: readonly SigningIdentityConfig[];
  /** Worker threads; 0 or undefined = os.availableParallelism(). @defaultValue 0 */
  threads?: number;
  /** Verify every signature in the worker before returning it. @defaultValue false */
  selfCheck?: boolean;
  /** Where password variables are read from. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

export interface SignResult {
  signedXml: string;
  receipt: SignatureReceipt;
}

interface Pending {
  resolve: (value: never) => void;
  reject: (err: GatewayError) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
  /** signBatch messages this worker holds. */
  batches: number;
}

interface QueuedSign {
  seq: number;
  xml: string;
  now?: number;
  resolve: (r: SignResult) => void;
  reject: (err: GatewayError) => void;
}

/** Documents per signBatch message: bounds the answer's size and how long one batch holds a worker. */
const MAX_BATCH = 16;
const BATCHES_PER_WORKER = 2;

const THREAD_URL = new URL(import.meta.url.endsWith('.ts') ? './sign-thread.ts' : './sign-thread.js', import.meta.url);

const rebuild = (e: PlainError) => new GatewayError(e.code, e.message, e.details ? { details: e.details } : {});

export class SignerPool implements DocumentSigner {
  private slots: Slot[] = [];
  private nextId = 1;
  private rr = 0;
  private closing: Promise<void> | undefined;
  private identities: SigningIdentityConfig[];
  /** Documents waiting for a worker, by signing identity, oldest first. */
  private queued = new Map<string, QueuedSign[]>();
  private seq = 0;

  private constructor(private readonly opts: Required<Omit<SignerPoolOptions, 'identities'>> & { identities: SigningIdentityConfig[] }) {
    this.identities = opts.identities;
  }

  static async start(opts: SignerPoolOptions): Promise<SignerPool> {
    const threads = opts.threads && opts.threads > 0 ? opts.threads : os.availableParallelism();
    const pool = new SignerPool({
      identities: structuredClone([...opts.identities]),
      threads,
      selfCheck: opts.selfCheck ?? false,
      env: { ...(opts.env ?? process.env) },
    });
    const started = await Promise.allSettled(Array.from({ length: threads }, () => pool.spawn()));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    pool.slots = started.map((s) => (s as PromiseFulfilledResult<Slot>).value);
    return pool;
  }

  get threads(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  private spawn(): Promise<Slot> {
    const worker = startModuleWorker(THREAD_URL, { workerData: { identities: this.identities, env: this.opts.env, selfCheck: this.opts.selfCheck } });
    const slot: Slot = { worker, pending: new Map(), alive: false, batches: 0 };
    return new Promise<Slot>((resolve, reject) => {
      const onEarlyExit = (err: unknown) =>
        reject(err instanceof GatewayError ? err : new GatewayError('SIGN_FAILED', `A signing thread failed to start: ${String((err as Error)?.message ?? err)}`));
      worker.once('error', onEarlyExit);
      worker.once('exit', (code) => onEarlyExit(new Error(`exit code ${code}`)));
      worker.on('message', (msg: FromThread) => {
        if (msg.type === 'ready') {
          worker.removeAllListeners('error');
          worker.removeAllListeners('exit');
          if (msg.error) {
            void worker.terminate();
            reject(rebuild(msg.error));
            return;
          }
          slot.alive = true;
          worker.on('error', (err) => this.lost(slot, err));
          worker.on('exit', (code) => this.lost(slot, new Error(`exit code ${code}`)));
          resolve(slot);
          queueMicrotask(() => this.pump());
          return;
        }
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        if (msg.type === 'signed') (p.resolve as (v: SignResult) => void)({ signedXml: msg.signedXml, receipt: msg.receipt });
        else if (msg.type === 'signedBatch') (p.resolve as (v: BatchResult[]) => void)(msg.results);
        else if (msg.type === 'verified') (p.resolve as (v: VerificationResult) => void)(msg.result);
        else if (msg.error) p.reject(rebuild(msg.error));
        else (p.resolve as (v: void) => void)(undefined);
      });
    });
  }

  /** A worker died: fail what it held (retryable SIGN_FAILED) and replace it unless closing. */
  private lost(slot: Slot, err: unknown): void {
    if (!slot.alive) return;
    slot.alive = false;
    for (const p of slot.pending.values()) p.reject(new GatewayError('SIGN_FAILED', `A signing thread stopped: ${String((err as Error)?.message ?? err)}`));
    slot.pending.clear();
    if (this.closing) return;
    this.spawn().then(
      (fresh) => {
        const at = this.slots.indexOf(slot);
        if (this.closing) void fresh.worker.terminate();
        else if (at >= 0) this.slots[at] = fresh;
        this.pump();
      },
      () => undefined,
    );
  }

  private send<T>(slot: Slot, msg: ToThread): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(msg.id, { resolve: resolve as (v: never) => void, reject });
      slot.worker.postMessage(msg);
    });
  }

  /** Least loaded live worker; ties broken round-robin so a burst spreads over all threads. */
  private pick(): Slot {
    const live = this.slots.filter((s) => s.alive);
    if (live.length === 0) throw new GatewayError('SIGN_FAILED', 'No signing thread is running');
    let best: Slot | undefined;
    for (let k = 0; k < live.length; k++) {
      const s = live[(this.rr + k) % live.length] as Slot;
      if (!best || s.pending.size < best.pending.size) best = s;
    }
    this.rr = (this.rr + 1) % live.length;
    return best as Slot;
  }

  /** Queues the document under its signing key; a worker signs it in the next batch for that key. */
  async sign(identityId: string, cdaXml: string, opts: { now?: Date } = {}): Promise<SignResult> {
    if (this.closing) throw new GatewayError('SIGN_FAILED', 'The signer pool is closed');
    if (this.threads === 0) throw new GatewayError('SIGN_FAILED', 'No signing thread is running');
    return new Promise<SignResult>((resolve, reject) => {
      let list = this.queued.get(identityId);
      if (!list) this.queued.set(identityId, (list = []));
      list.push({ seq: this.seq++, xml: cdaXml, ...(opts.now ? { now: opts.now.getTime() } : {}), resolve, reject });
      this.pump();
    });
  }

  /** signBatch messages sent and the documents they carried, since start. */
  readonly batchStats = { batches: 0, documents: 0 };

  /** Documents waiting for a signing thread (all keys). */
  get queuedDocuments(): number {
    let n = 0;
    for (const l of this.queued.values()) n += l.length;
    return n;
  }

  /** Hands batches to workers with room, oldest waiting key first. */
  private pump(): void {
    if (this.closing) return;
    for (;;) {
      const slot = this.slots.filter((s) => s.alive && s.batches < BATCHES_PER_WORKER).sort((a, b) => a.batches - b.batches)[0];
      if (!slot) return;
      let identityId: string | undefined;
      let oldest = Infinity;
      for (const [id, list] of this.queued) {
        if (list.length > 0 && list[0]!.seq < oldest) {
          oldest = list[0]!.seq;
          identityId = id;
        }
      }
      if (identityId === undefined) return;
      const list = this.queued.get(identityId)!;
      const batch = list.splice(0, MAX_BATCH);
      if (list.length === 0) this.queued.delete(identityId);
      slot.batches++;
      this.batchStats.batches++;
      this.batchStats.documents += batch.length;
      const msg: ToThread = { type: 'signBatch', id: this.nextId++, identityId, items: batch.map((b) => ({ xml: b.xml, ...(b.now !== undefined ? { now: b.now } : {}) })) };
      this.send<BatchResult[]>(slot, msg).then(
        (results) => {
          slot.batches--;
          batch.forEach((b, i) => {
            const r = results[i];
            if (r?.ok) b.resolve({ signedXml: r.signedXml, receipt: r.receipt });
            else b.reject(r ? rebuild(r.error) : new GatewayError('SIGN_FAILED', 'The signing thread gave no result for a document'));
          });
          this.pump();
        },
        (err: GatewayError) => {
          slot.batches--;
          for (const b of batch) b.reject(err);
          this.pump();
        },
      );
    }
  }

  /**
   * Verifies a document's signatures on a worker thread (~10 ms of XML and RSA work per document that
   * must not stall the HTTP event loop). Same code and result as verifyDocumentSignatures.
   */
  async verify(xml: string, opts: VerifyRequestOptions = {}): Promise<VerificationResult> {
    if (this.closing) throw new GatewayError('SIGN_FAILED', 'The signer pool is closed');
    return this.send<VerificationResult>(this.pick(), { type: 'verify', id: this.nextId++, xml, options: opts });
  }

  /** Every worker re-reads its files (and takes the new identity list when given); each keeps its old keys if loading fails. */
  async reload(identities?: readonly SigningIdentityConfig[]): Promise<void> {
    if (this.closing) throw new GatewayError('SIGN_FAILED', 'The signer pool is closed');
    const next = identities ? structuredClone([...identities]) : undefined;
    const results = await Promise.allSettled(
      this.slots.filter((s) => s.alive).map((s) => this.send<void>(s, { type: 'reload', id: this.nextId++, ...(next ? { identities: next } : {}) })),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (next) this.identities = next;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const list of this.queued.values()) for (const q of list) q.reject(new GatewayError('SIGN_FAILED', 'The signer pool is closed'));
      this.queued.clear();
      for (const s of this.slots) {
        s.alive = false;
        for (const p of s.pending.values()) p.reject(new GatewayError('SIGN_FAILED', 'The signer pool is closed'));
        s.pending.clear();
      }
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
    })();
    return this.closing;
  }
}
