// Leases of the documents a process runs in its direct lane (queues/direct-lane.ts), outside BullMQ: one
// sorted set per send lane, member "tenant\ndocId\nrun", score the lease's expiry in epoch ms. A lease is
// to a direct run what BullMQ's job lock is to a lane job: while it is live nobody else starts the
// document (the sweep and an enqueue of an existing record look here first); when its process dies the
// lease runs out and any process hands the document to its BullMQ lane (`expired`, then `drop`).
//
// Takes and releases are written in batches, one ZADD and one ZREM per lane every FLUSH_MS, and nobody
// waits for them (a document that finishes within the window never has its lease written at all): a lease guards against duplicate work, not against loss (a document is in
// the store's open set from its accept on, and the sweep leaves recently touched documents alone), and
// a duplicate run would only resend the stored signed bytes, which the archive takes as a no-op. Live
// leases are renewed every third of their length, one ZADD XX per lane.
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import { laneKey, type DocumentJob, type LaneRef } from './topology.ts';

interface LaneLeaseState {
  lane: LaneRef;
  key: string;
  /** Members this process holds. */
  held: Set<string>;
  toTake: Set<string>;
  toRelease: Set<string>;
}

/**
 * How long takes and releases gather before they are written. Far below any lease length and the
 * sweep's own grace (it skips documents touched within sweepIntervalMs), so an unwritten lease only
 * ever risks what it guards against: a duplicate run, which resends the stored signed bytes.
 */
const FLUSH_MS = 50;

export function leaseMember(job: Pick<DocumentJob, 'tenant' | 'documentId' | 'run'>): string {
  return `${job.tenant}\n${job.documentId}\n${job.run}`;
}

function jobOfMember(member: string, lane: LaneRef): DocumentJob | undefined {
  const [tenant, documentId, run] = member.split('\n');
  if (!tenant || !documentId || run === undefined || !/^\d+$/.test(run)) return undefined;
  return { tenant, documentId, run: Number(run), accessPoint: lane.accessPoint, controller: lane.controller };
}

export interface LaneLeasesDeps {
  redis: Redis;
  keys: RedisKeys;
  /** A lease's length; BullMQ's lock duration, so a crash is noticed as soon on either way. */
  leaseMs(): number;
  onError(err: unknown): void;
  now?(): number;
}

export class LaneLeases {
  private readonly lanes = new Map<string, LaneLeaseState>();
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly deps: LaneLeasesDeps) {
    this.now = deps.now ?? Date.now;
    this.renewTimer = setInterval(() => this.renew(), Math.max(500, Math.floor(deps.leaseMs() / 3)));
    this.renewTimer.unref();
  }

  private stateOf(lane: LaneRef): LaneLeaseState {
    const k = laneKey(lane);
    let s = this.lanes.get(k);
    if (!s) {
      s = { lane, key: this.deps.keys.leases(lane.accessPoint, lane.controller), held: new Set(), toTake: new Set(), toRelease: new Set() };
      this.lanes.set(k, s);
    }
    return s;
  }

  /** This process starts the document: its lease is written with the next batch. */
  take(job: DocumentJob): void {
    const s = this.stateOf(job);
    const m = leaseMember(job);
    s.held.add(m);
    s.toRelease.delete(m);
    s.toTake.add(m);
    this.scheduleFlush();
  }

  /** This process is done with the document (finished, or handed to its BullMQ lane). */
  release(job: DocumentJob): void {
    const s = this.stateOf(job);
    const m = leaseMember(job);
    s.held.delete(m);
    // Not yet written: nothing to remove in Redis either.
    if (s.toTake.delete(m)) return;
    s.toRelease.add(m);
    this.scheduleFlush();
  }

  /** Documents this process runs in the lane right now. */
  heldIn(lane: LaneRef): number {
    return this.lanes.get(laneKey(lane))?.held.size ?? 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.flushing = this.flushing.then(() => this.flush());
    }, FLUSH_MS).unref();
  }

  private async flush(): Promise<void> {
    const pipe = this.deps.redis.pipeline();
    let n = 0;
    const expiry = this.now() + this.deps.leaseMs();
    for (const s of this.lanes.values()) {
      if (s.toTake.size > 0) {
        pipe.zadd(s.key, ...[...s.toTake].flatMap((m) => [expiry, m]));
        s.toTake.clear();
        n += 1;
      }
      if (s.toRelease.size > 0) {
        pipe.zrem(s.key, ...s.toRelease);
        s.toRelease.clear();
        n += 1;
      }
    }
    if (n === 0) return;
    try {
      const res = await pipe.exec();
      for (const [err] of res ?? []) if (err) throw err;
    } catch (err) {
      // A lost take only risks a duplicate run, a lost release only delays the lease's reclaim.
      this.deps.onError(err);
    }
  }

  private renew(): void {
    const expiry = this.now() + this.deps.leaseMs();
    const pipe = this.deps.redis.pipeline();
    let n = 0;
    for (const s of this.lanes.values()) {
      const written = [...s.held].filter((m) => !s.toTake.has(m));
      if (written.length === 0) continue;
      pipe.zadd(s.key, 'XX', ...written.flatMap((m) => [expiry, m]));
      n += 1;
    }
    if (n > 0) pipe.exec().catch((err: unknown) => this.deps.onError(err));
  }

  /** Whether any process holds a live lease on this run of the document. */
  async isLeased(job: DocumentJob): Promise<boolean> {
    if (this.lanes.get(laneKey(job))?.held.has(leaseMember(job))) return true;
    const score = await this.deps.redis.zscore(this.deps.keys.leases(job.accessPoint, job.controller), leaseMember(job));
    return score !== null && Number(score) > this.now();
  }

  /** Leases of the lane in Redis, live or run out (the lane's depth counts them as its documents). */
  count(lane: LaneRef): Promise<number> {
    return this.deps.redis.zcard(this.deps.keys.leases(lane.accessPoint, lane.controller));
  }

  /** Runs whose lease ran out (their process died or hung), oldest first, at most `limit`. */
  async expired(lane: LaneRef, limit = 500): Promise<DocumentJob[]> {
    const members = await this.deps.redis.zrangebyscore(this.deps.keys.leases(lane.accessPoint, lane.controller), '-inf', this.now(), 'LIMIT', 0, limit);
    const mine = this.lanes.get(laneKey(lane))?.held;
    // A lease of this process that ran out is one whose renewal failed: the run is still going here.
    return members.filter((m) => !mine?.has(m)).flatMap((m) => jobOfMember(m, lane) ?? []);
  }

  /** Removes run-out leases once their documents were handed to the BullMQ lane. */
  async drop(lane: LaneRef, jobs: readonly DocumentJob[]): Promise<void> {
    if (jobs.length > 0) await this.deps.redis.zrem(this.deps.keys.leases(lane.accessPoint, lane.controller), ...jobs.map(leaseMember));
  }

  /** Stops renewing and writes what is still pending. Leases still held stay and run out. */
  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    await this.flushing;
    await this.flush();
  }
}
