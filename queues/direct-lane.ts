// The direct lane: a document this process has just accepted, whose send lane has room, runs here at
// once — with the record and bytes intake still holds — instead of as a BullMQ lane job; so does one
// its intake worker admits into the lane (after reading its record and bytes). A BullMQ job
// costs about 55 Redis commands (add, move to active, move to finished: docs/performance.md); the
// direct run costs its lease (queues/lane-leases.ts), a share of one batched ZADD and one ZREM.
//
// Only the straight way runs here: sign, send, and the archive's final answer. Anything that has to
// wait — a parent version or asiakkuusasiakirja not yet finished, an open circuit, a parked controller,
// a retryable failure — is handed to the document's BullMQ lane as a delayed job with the same job id
// that an admission would have given it, and from there on it is an ordinary lane job: the retries,
// the backoff and the crash recovery are BullMQ's. A process that dies mid-run leaves a lease that runs
// out; any process then hands the document to its BullMQ lane (QueueWorkers.reclaimExpiredLeases).
import { UnrecoverableError } from 'bullmq';
import type { QueuesConfig } from '../config/schema.ts';
import type { DocumentStatus, SendState } from './document-store.ts';
import type { LaneLeases } from './lane-leases.ts';
import { backoffDelayMs } from './retry-policy.ts';
import type { LaneJob } from './send-processor.ts';
import { laneKey, type DocumentJob, type LaneRef } from './topology.ts';

/** Thrown by a direct run's delayUntil: the document continues as a delayed BullMQ lane job. */
class HandOver extends Error {
  constructor(readonly untilMs: number) {
    super('handed over to the BullMQ lane');
  }
}

export interface HandOverOptions {
  delayMs: number;
  /** Attempts the BullMQ job may still spend. */
  attempts: number;
}

export interface DirectLaneDeps {
  leases: LaneLeases;
  /** Runs one document through its lane (processLaneJob with the lane's context). */
  run(job: LaneJob): Promise<DocumentStatus>;
  /** Adds the document's BullMQ lane job (same job id as an admission's), delayed. */
  handOver(data: DocumentJob, opts: HandOverOptions): Promise<void>;
  queuesConfig(): QueuesConfig;
  /** The run is over and the document left the lane (finished, not handed over): one slot is free. */
  onLeftLane(laneKey: string): void;
  onError(where: string, err: unknown): void;
  now(): number;
}

export class DirectLane {
  private readonly running = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: DirectLaneDeps) {}

  /**
   * Starts the document here unless this process already runs laneHighWater documents of its lane
   * directly (admission keeps a lane within laneHighWater anyway; this bounds a process whose count of
   * the lane is stale). A run waiting for the signer or a send slot is only a pending promise, so the
   * limit is the lane's admission, not its send concurrency. False: add its BullMQ lane job instead.
   */
  tryRun(data: DocumentJob, state: SendState): boolean {
    if (!this.hasRoom(data)) return false;
    const key = laneKey(data);
    const busy = this.running.get(key) ?? 0;
    this.running.set(key, busy + 1);
    this.deps.leases.take(data);
    // Started on the next turn of the event loop, so the tenant's 202 goes out first.
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.execute(data, state))
      .then(
        (handedOver) => {
          // Out of the count first: the slot onLeftLane frees may admit the next document straight here.
          this.leave(key, data);
          if (!handedOver) this.deps.onLeftLane(key);
        },
        () => this.leave(key, data),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return true;
  }

  private leave(key: string, data: DocumentJob): void {
    this.running.set(key, (this.running.get(key) ?? 1) - 1);
    this.deps.leases.release(data);
  }

  /** Whether tryRun would start a document of this lane now. */
  hasRoom(lane: LaneRef): boolean {
    return !this.closed && (this.running.get(laneKey(lane)) ?? 0) < this.deps.queuesConfig().laneHighWater;
  }

  /** Direct runs in flight in this process. */
  get size(): number {
    return this.inFlight.size;
  }

  /** True when the document went on as a BullMQ lane job (or was left for the lease reclaim). */
  private async execute(data: DocumentJob, state: SendState): Promise<boolean> {
    const cfg = this.deps.queuesConfig();
    const job: LaneJob = {
      data,
      attemptsMade: 0,
      maxAttempts: cfg.retry.attempts,
      state,
      delayUntil: async (untilMs) => {
        throw new HandOver(untilMs);
      },
    };
    try {
      await this.deps.run(job);
      return false;
    } catch (err) {
      // Finished the hard way: its terminal transition (parked, rejected) is already written.
      if (err instanceof UnrecoverableError) return false;
      try {
        if (err instanceof HandOver) {
          await this.deps.handOver(data, { delayMs: Math.max(0, err.untilMs - this.deps.now()), attempts: cfg.retry.attempts });
        } else if (cfg.retry.attempts > 1) {
          // What BullMQ does with a job that throws: try again after the backoff, one attempt spent. The
          // BullMQ job counts its own attempts from zero, so its first backoff step repeats this one.
          await this.deps.handOver(data, { delayMs: backoffDelayMs(1, cfg.retry), attempts: cfg.retry.attempts - 1 });
        } else {
          // No attempt left: as with a BullMQ job that failed for good, the sweep picks the open document up.
          this.deps.onError('direct-lane', err);
        }
      } catch (handOverErr) {
        // Redis gone: the lease runs out and the reclaim (or the sweep) puts the document back on its way.
        this.deps.onError('direct-lane hand-over', handOverErr);
      }
      return true;
    }
  }

  /** Stops starting documents and waits up to `graceMs` for those running; the rest keep their leases. */
  async close(graceMs: number): Promise<boolean> {
    this.closed = true;
    if (this.inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    try {
      return await Promise.race([Promise.allSettled([...this.inFlight]).then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
