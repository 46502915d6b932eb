// BullMQ topology:
//   intake.{tenant}                 one queue per tenant; its worker admits documents into lanes fairly
//   lane.{accessPoint}.{controller} one send lane per (access point, controller): sign → send → ack
// Job data is ids only ({tenant, documentId, run} and the lane's ids); the bytes live in the document store. Job ids are
// `{tenant}__{documentId}__{run}`: a duplicate enqueue of the same run is a no-op, a rerun gets a new id
// (BullMQ silently ignores an add whose id exists in any state, completed included: libs.md).
import { Queue, type JobsOptions, type ConnectionOptions } from 'bullmq';
import type { QueuesConfig } from '../config/schema.ts';

export interface DocumentJob {
  tenant: string;
  documentId: string;
  run: number;
  /** The send lane, decided at intake: admission needs no record read. */
  accessPoint: string;
  controller: string;
}

export interface LaneRef {
  accessPoint: string;
  controller: string;
}

export function intakeQueueName(tenant: string): string {
  return `intake.${tenant}`;
}

export function laneQueueName(lane: LaneRef): string {
  return `lane.${lane.accessPoint}.${lane.controller}`;
}

export function laneKey(lane: LaneRef): string {
  return `${lane.accessPoint}|${lane.controller}`;
}

export function parseLaneQueueName(name: string): LaneRef | undefined {
  const m = /^lane\.([a-z0-9-]+)\.([0-9.]+)$/.exec(name);
  return m ? { accessPoint: m[1]!, controller: m[2]! } : undefined;
}

export function jobIdOf(job: Pick<DocumentJob, 'tenant' | 'documentId' | 'run'>): string {
  return `${job.tenant}__${job.documentId}__${job.run}`;
}

export function intakeJobOptions(cfg: QueuesConfig): JobsOptions {
  return {
    // Admission only waits (DelayedError) or fails on a Redis hiccup: retry it forever, calmly.
    attempts: 1_000_000,
    backoff: { type: 'fixed', delay: 1_000 },
    // An admitted intake job has served its purpose: the lane job and the record carry the story.
    removeOnComplete: true,
    removeOnFail: { age: cfg.removeOnFail.age, count: cfg.removeOnFail.count },
  };
}

export function laneJobOptions(cfg: QueuesConfig): JobsOptions {
  return {
    attempts: cfg.retry.attempts,
    backoff: { type: 'kanta-full-jitter' },
    removeOnComplete: { age: cfg.removeOnComplete.age, count: cfg.removeOnComplete.count },
    removeOnFail: { age: cfg.removeOnFail.age, count: cfg.removeOnFail.count },
  };
}

/** Approximate length of each BullMQ queue's event stream (XADD MAXLEN ~). */
export const EVENTS_MAX_LEN = 50;

/** Lazily created Queue handles, one per name, sharing one connection. */
export class QueueRegistry {
  private readonly queues = new Map<string, Queue<DocumentJob>>();

  constructor(
    private readonly connection: ConnectionOptions,
    readonly prefix: string,
  ) {}

  get(name: string): Queue<DocumentJob> {
    let q = this.queues.get(name);
    if (!q) {
      // Nothing reads BullMQ's per-queue event stream (no QueueEvents: the document's own history and
      // the tenant's lifecycle stream are the record), so it is kept short: at the default 10 000
      // entries it held ~700 bytes per queued document (docs/performance.md).
      q = new Queue<DocumentJob>(name, { connection: this.connection, prefix: this.prefix, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
      q.on('error', () => {}); // surfaced through the failing call; avoid unhandled 'error' events
      this.queues.set(name, q);
    }
    return q;
  }

  intake(tenant: string): Queue<DocumentJob> {
    return this.get(intakeQueueName(tenant));
  }

  lane(lane: LaneRef): Queue<DocumentJob> {
    return this.get(laneQueueName(lane));
  }

  /** Every queue BullMQ knows in Redis under our prefix (including lanes created by other processes). */
  names(): string[] {
    return [...this.queues.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
