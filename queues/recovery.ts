// Recovery: the sweep that puts unfinished documents back on their way after a crash or restart, and
// the operator rerun of parked documents (the 'rerun' lifecycle transition, then a new job).
import type { DocumentRecord } from '../domain/document-record.ts';
import { errorCodeOf, GatewayError } from '../domain/errors.ts';
import type { DocumentStore } from './document-store.ts';
import type { LaneLeases } from './lane-leases.ts';
import { jobIdOf, type QueueRegistry } from './topology.ts';

export interface RerunFilter {
  code?: string;
  tenant?: string;
  controller?: string;
  /** ISO times bounding acceptedAt. */
  from?: string;
  to?: string;
  limit?: number;
}

export interface RerunResult {
  rerun: Array<{ tenant: string; documentId: string; run: number; previousCode?: string }>;
}

export type Enqueue = (record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'run' | 'accessPoint' | 'controller'>) => Promise<void>;

export interface RecoveryDeps {
  store: DocumentStore;
  producers: QueueRegistry;
  leases: LaneLeases;
  enqueue: Enqueue;
  now(): Date;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children']);

export class Recovery {
  constructor(private readonly deps: RecoveryDeps) {}

  /**
   * Streams the open set; a document whose intake or lane job is still live, or that a process runs in
   * its direct lane (a live lease, queues/lane-leases.ts), is left alone, anything
   * else is re-enqueued (stale finished jobs with the same id are removed first, or BullMQ would ignore
   * the add). `olderThanMs` skips documents touched recently: the periodic sweep must not race an
   * intake that has stored a document and is about to enqueue it (harmless, only wasteful). A
   * re-enqueue is not a lifecycle transition: it writes no document state.
   */
  async sweep(opts: { olderThanMs?: number } = {}): Promise<{ checked: number; requeued: number }> {
    let checked = 0;
    let requeued = 0;
    const cutoff = this.deps.now().getTime() - (opts.olderThanMs ?? 0);
    for await (const rec of this.deps.store.scanOpen()) {
      if (Date.parse(rec.updatedAt) > cutoff) continue;
      checked += 1;
      const id = jobIdOf(rec);
      if (await this.deps.leases.isLeased(rec)) continue;
      const intake = this.deps.producers.intake(rec.tenant);
      const lane = this.deps.producers.lane({ accessPoint: rec.accessPoint, controller: rec.controller });
      const [s1, s2] = await Promise.all([intake.getJobState(id), lane.getJobState(id)]);
      if (LIVE_STATES.has(s1) || LIVE_STATES.has(s2)) continue;
      if (s1 !== 'unknown') await intake.remove(id);
      if (s2 !== 'unknown') await lane.remove(id);
      await this.deps.enqueue(rec);
      requeued += 1;
    }
    return { checked, requeued };
  }

  /** Operator rerun of parked documents: each rerun is a new run linked to the same record and history. */
  async rerun(filter: RerunFilter, by: string): Promise<RerunResult> {
    const selected = await this.selectParked(filter, filter.limit ?? 1000);
    const out: RerunResult['rerun'] = [];
    for (let i = 0; i < selected.length; i += 100) out.push(...(await this.rerunRecords(selected.slice(i, i + 100), by)));
    return { rerun: out };
  }

  /** Parked records matching the filter, in scan order, at most `limit` (read-only). */
  async selectParked(filter: Omit<RerunFilter, 'limit'>, limit: number): Promise<DocumentRecord[]> {
    // Compared as instants: the bounds may carry an offset or no milliseconds, so string order lies.
    const fromMs = filter.from ? Date.parse(filter.from) : undefined;
    const toMs = filter.to ? Date.parse(filter.to) : undefined;
    // An unreadable bound must not silently widen the selection to every parked document.
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new GatewayError('REQUEST_INVALID', 'from and to must be ISO date-times');
    const selected: DocumentRecord[] = [];
    if (limit <= 0) return selected;
    for await (const rec of this.deps.store.scan(filter.tenant ? { tenant: filter.tenant } : {})) {
      if (rec.status !== 'parked') continue;
      if (filter.code && rec.code !== filter.code) continue;
      if (filter.controller && rec.controller !== filter.controller) continue;
      if (fromMs !== undefined && Date.parse(rec.acceptedAt) < fromMs) continue;
      if (toMs !== undefined && Date.parse(rec.acceptedAt) > toMs) continue;
      selected.push(rec);
      if (selected.length >= limit) break;
    }
    return selected;
  }

  /**
   * Reruns the given parked records (the 'rerun' transition, then a new job). A record that is no longer
   * parked (another operator, process or an earlier attempt of the same task reran it) is skipped, so
   * repeating a call is harmless.
   */
  async rerunRecords(records: readonly DocumentRecord[], by: string): Promise<RerunResult['rerun']> {
    const out: RerunResult['rerun'] = [];
    await Promise.all(
      records.map(async (rec) => {
        const run = rec.run + 1;
        try {
          await this.deps.store.apply({ kind: 'rerun', ref: { tenant: rec.tenant, documentId: rec.documentId }, run, by, ...(rec.code ? { previousCode: rec.code } : {}) }, this.deps.now());
        } catch (err) {
          // Another operator (or process) reran it since the scan: it is not parked any more.
          if (errorCodeOf(err) === 'QUEUE_TRANSITION_REFUSED') return;
          throw err;
        }
        await this.deps.enqueue({ ...rec, run });
        out.push({ tenant: rec.tenant, documentId: rec.documentId, run, ...(rec.code ? { previousCode: rec.code } : {}) });
      }),
    );
    return out;
  }
}
