// The intake's CDA reader on worker threads. Reading a CDA XML body (strict UTF-8, the safe parse with
// its structural limits, the header, the Base64 check) is the largest single cost of intake on the
// event loop — about a fifth of the main thread's time per document at the signing ceiling
// (docs/performance.md) — and it is a pure function of the bytes: the threads run the very same
// readCdaXml and answer with what it read, or with the coded error it met, which is rebuilt here as
// the same GatewayError. The caller keeps its own Buffer as the document's bytes, so what is stored and
// signed is exactly what arrived.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../certs/worker-bootstrap.ts';
import { GatewayError, isErrorCode } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import type { XmlLimits } from '../../adapters/xml/xml-limits.ts';
import type { ReadReply, ReadRequest } from './cda-read-protocol.ts';

const THREAD_URL = new URL(import.meta.url.endsWith('.ts') ? './cda-read-thread.ts' : './cda-read-thread.js', import.meta.url);

interface Pending {
  body: Buffer;
  resolve: (p: ParsedDocument) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

function rebuildError(e: Extract<ReadReply, { ok: false }>['error']): Error {
  if (e.code && isErrorCode(e.code)) return new GatewayError(e.code, e.message, { ...(e.ruleId ? { ruleId: e.ruleId } : {}), ...(e.details ? { details: e.details } : {}) });
  return new Error(e.message);
}

export class CdaReadPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private constructor() {}

  static async start(threads: number): Promise<CdaReadPool> {
    const pool = new CdaReadPool();
    try {
      pool.slots = await Promise.all(Array.from({ length: threads }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Promise<Slot> {
    const worker = startModuleWorker(THREAD_URL);
    const slot: Slot = { worker, pending: new Map() };
    return new Promise<Slot>((resolve, reject) => {
      const onEarlyExit = (err: unknown) => reject(new GatewayError('INTERNAL', `A CDA reader thread failed to start: ${String((err as Error)?.message ?? err)}`));
      worker.once('error', onEarlyExit);
      worker.once('exit', onEarlyExit);
      worker.on('message', (msg: ReadReply | { ready: true }) => {
        if ('ready' in msg) {
          worker.off('error', onEarlyExit);
          worker.off('exit', onEarlyExit);
          worker.on('error', () => {});
          worker.on('exit', () => this.lost(slot));
          resolve(slot);
          return;
        }
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        if (msg.ok) p.resolve({ ...msg.parsed, cda: p.body });
        else p.reject(rebuildError(msg.error));
      });
    });
  }

  /** A thread died (a bug, out of memory): its requests fail as INTERNAL, and a new thread takes its place. */
  private lost(slot: Slot): void {
    this.slots = this.slots.filter((s) => s !== slot);
    for (const p of slot.pending.values()) p.reject(new GatewayError('INTERNAL', 'The CDA reader thread stopped'));
    slot.pending.clear();
    if (!this.closed) this.spawn().then((s) => (this.closed ? void s.worker.terminate() : this.slots.push(s)), () => {});
  }

  /** readCdaXml on a thread (the least busy one); the same result or the same coded error. */
  read(body: Buffer, requestedOperation: string | undefined, limits: XmlLimits): Promise<ParsedDocument> {
    const slot = this.slots.reduce<Slot | undefined>((best, s) => (!best || s.pending.size < best.pending.size ? s : best), undefined);
    if (!slot || this.closed) return Promise.reject(new GatewayError('INTERNAL', 'No CDA reader thread is running'));
    const id = this.nextId++;
    // A copy of exactly the body's bytes, transferred: a Buffer may be a view into a larger pooled block.
    const copy = new Uint8Array(body);
    const req: ReadRequest = { id, body: copy, limits, ...(requestedOperation !== undefined ? { requestedOperation } : {}) };
    return new Promise<ParsedDocument>((resolve, reject) => {
      slot.pending.set(id, { body, resolve, reject });
      slot.worker.postMessage(req, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) for (const p of s.pending.values()) p.reject(new GatewayError('INTERNAL', 'The CDA reader pool closed'));
  }
}
