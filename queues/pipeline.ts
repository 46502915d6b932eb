// The queue pipeline of one gateway process, as one façade over its parts: the workers
// (queues/workers.ts), flow control (queues/flow-control.ts), recovery (queues/recovery.ts: sweep and
// rerun) and queue stats (queues/queue-stats.ts). Several gateway processes may run this against one
// Redis: BullMQ shares the work, pause flags live in Redis, and each document's state is in the store.
import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config, QueuesConfig } from '../config/schema.ts';
import type { DocumentRecord } from '../domain/document-record.ts';
import type { CircuitState } from './circuit-breaker.ts';
import type { DocumentStore } from './document-store.ts';
import { FlowControl, type ControlState } from './flow-control.ts';
import { LaneLeases } from './lane-leases.ts';
import type { DocumentSender, DocumentSigner } from './ports.ts';
import { queueCounts, type QueueCounts } from './queue-stats.ts';
import { Recovery, type RerunFilter, type RerunResult } from './recovery.ts';
import { RedisKeys } from './redis-keys.ts';
import { QueueRegistry, intakeJobOptions, jobIdOf, laneKey, laneQueueName, parseLaneQueueName, type DocumentJob, type LaneRef } from './topology.ts';
import { QueueWorkers, settlesWithin, type PipelineEvents } from './workers.ts';

export type { PipelineEvents } from './workers.ts';
export type { RerunFilter } from './recovery.ts';

export interface PipelineOptions {
  /** Connection for workers (BullMQ needs maxRetriesPerRequest: null on it). */
  workerConnection: ConnectionOptions;
  /** Connection for producers on the HTTP path: finite retries, so a Redis outage fails fast. */
  producerConnection: ConnectionOptions;
  /** Plain command connection for flags (pause sets, parked lanes). */
  redis: Redis;
  prefix: string;
  store: DocumentStore;
  signer: DocumentSigner;
  sender: DocumentSender;
  config: () => Config;
  /**
   * The send lanes the current configuration implies (gateway/routing's RoutingIndex.lanes, computed
   * once per configuration version): each tenant's access point × every registry it may write.
   */
  lanes: () => readonly LaneRef[];
  /** Run intake and lane workers in this process (false: an HTTP-only process that just enqueues). */
  runWorkers?: boolean;
  events?: PipelineEvents;
  now?: () => Date;
}

export class Pipeline {
  private readonly producers: QueueRegistry;
  private readonly flow: FlowControl;
  private readonly recovery: Recovery;
  private readonly leases: LaneLeases;
  private readonly workers: QueueWorkers | undefined;
  private readonly now: () => Date;
  private closing: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private reclaimTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: PipelineOptions) {
    this.producers = new QueueRegistry(opts.producerConnection, opts.prefix);
    this.now = opts.now ?? (() => new Date());
    const keys = new RedisKeys(opts.prefix);
    this.flow = new FlowControl({ redis: opts.redis, keys, producers: this.producers, knownLanes: opts.lanes, now: this.now });
    this.leases = new LaneLeases({ redis: opts.redis, keys, leaseMs: () => this.queuesConfig().lockDurationMs, onError: (err) => opts.events?.onError?.('lane-leases', err) });
    this.recovery = new Recovery({ store: opts.store, producers: this.producers, leases: this.leases, enqueue: (r) => this.enqueue(r), now: this.now });
    if (opts.runWorkers !== false) {
      this.workers = new QueueWorkers({
        connection: opts.workerConnection,
        redis: opts.redis,
        prefix: opts.prefix,
        store: opts.store,
        signer: opts.signer,
        sender: opts.sender,
        producers: this.producers,
        leases: this.leases,
        flow: this.flow,
        queuesConfig: () => this.queuesConfig(),
        events: opts.events,
        now: this.now,
      });
    }
  }

  static async start(opts: PipelineOptions): Promise<Pipeline> {
    const p = new Pipeline(opts);
    if (p.workers) {
      await p.syncWorkers();
      p.startPeriodicSweep();
      p.startLeaseReclaim();
    }
    return p;
  }

  /** Every lockDurationMs, documents whose direct-lane lease ran out go to their BullMQ lanes. */
  private startLeaseReclaim(): void {
    let running = false;
    this.reclaimTimer = setInterval(() => {
      if (running || this.closing || !this.workers) return;
      running = true;
      this.workers
        .reclaimExpiredLeases(this.allLanes())
        .catch((err) => this.opts.events?.onError?.('lease-reclaim', err))
        .finally(() => {
          running = false;
        });
    }, this.queuesConfig().lockDurationMs);
    this.reclaimTimer.unref();
  }

  /** Configured lanes and any this process has a queue handle for (a lane of an older configuration). */
  private allLanes(): LaneRef[] {
    const lanes = new Map<string, LaneRef>();
    for (const l of this.knownLanes()) lanes.set(laneKey(l), l);
    for (const name of this.producers.names()) {
      const l = parseLaneQueueName(name);
      if (l) lanes.set(laneKey(l), l);
    }
    return [...lanes.values()];
  }

  /** Reclaims run-out direct-lane leases now (what the periodic reclaim does; for tests and tools). */
  reclaimExpiredLeases(): Promise<number> {
    return this.workers?.reclaimExpiredLeases(this.allLanes()) ?? Promise.resolve(0);
  }

  private startPeriodicSweep(): void {
    let running = false;
    const tick = () => {
      if (running || this.closing) return;
      running = true;
      const every = this.queuesConfig().sweepIntervalMs;
      this.sweep({ olderThanMs: every })
        .catch((err) => this.opts.events?.onError?.('sweep', err))
        .finally(() => {
          running = false;
        });
    };
    this.sweepTimer = setInterval(tick, this.queuesConfig().sweepIntervalMs);
    this.sweepTimer.unref();
  }

  private queuesConfig(): QueuesConfig {
    return this.opts.config().queues;
  }

  /** Lanes the configuration implies (from the routing index). */
  knownLanes(): readonly LaneRef[] {
    return this.opts.lanes();
  }

  /** Creates workers for tenants and lanes the (possibly reloaded) configuration names. */
  async syncWorkers(): Promise<void> {
    if (!this.workers) return;
    const cfg = this.opts.config();
    for (const t of cfg.tenants) this.workers.startIntake(t.id, t.weight);
    for (const lane of this.knownLanes()) this.workers.ensureLane(lane);
    const pausedTenants = await this.flow.pausedTenants();
    for (const t of cfg.tenants) if (t.paused || pausedTenants.has(t.id)) await this.producers.intake(t.id).pause();
  }

  circuitState(accessPoint: string): CircuitState {
    return this.workers?.circuitState(accessPoint) ?? 'closed';
  }

  /**
   * Puts a stored document on its way: straight into its send lane when the lane has room here (see
   * QueueWorkers.admitDirect), else into its tenant's intake queue for fair admission. `payload`: the
   * bytes of a document this process has just accepted (`record` is then the record as stored), which
   * may run in the direct lane. Without it (a resubmission, the sweep, a rerun) a document some
   * process runs directly right now is left alone, as BullMQ leaves a job whose id exists.
   */
  async enqueue(record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'run' | 'accessPoint' | 'controller'>): Promise<void>;
  async enqueue(record: DocumentRecord, payload: Buffer): Promise<void>;
  async enqueue(record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'run' | 'accessPoint' | 'controller'>, payload?: Buffer): Promise<void> {
    const data: DocumentJob = { tenant: record.tenant, documentId: record.documentId, run: record.run, accessPoint: record.accessPoint, controller: record.controller };
    if (!payload && (await this.leases.isLeased(data))) return;
    const tenantPaused = this.opts.config().tenants.find((t) => t.id === record.tenant)?.paused === true;
    const state = payload ? { record: record as DocumentRecord, signed: undefined, payload } : undefined;
    if (this.workers && !this.closing && (await this.workers.admitDirect(data, tenantPaused, state))) return;
    await this.producers.intake(record.tenant).add('admit', data, { ...intakeJobOptions(this.queuesConfig()), jobId: jobIdOf(data) });
  }

  pauseController(controller: string, by: string): Promise<void> {
    return this.flow.pauseController(controller, by);
  }

  /** Resumes a paused or parked controller: its lanes run again and new documents are admitted. */
  resumeController(controller: string): Promise<void> {
    return this.flow.resumeController(controller);
  }

  pauseTenant(tenant: string): Promise<void> {
    return this.flow.pauseTenant(tenant);
  }

  resumeTenant(tenant: string): Promise<void> {
    return this.flow.resumeTenant(tenant);
  }

  controlState(): Promise<ControlState> {
    return this.flow.controlState();
  }

  /** Puts every unfinished document whose job is gone back on its way (see Recovery.sweep). */
  sweep(opts: { olderThanMs?: number } = {}): Promise<{ checked: number; requeued: number }> {
    return this.recovery.sweep(opts);
  }

  /** Operator rerun of parked documents (see Recovery.rerun). */
  rerun(filter: RerunFilter, by: string): Promise<RerunResult> {
    return this.recovery.rerun(filter, by);
  }

  // --- ops console (issue 15): reruns as background tasks select first, then rerun in chunks
  /** Parked records matching the filter, at most `limit` (read-only; see Recovery.selectParked). */
  selectParked(filter: Omit<RerunFilter, 'limit'>, limit: number): Promise<DocumentRecord[]> {
    return this.recovery.selectParked(filter, limit);
  }

  /** Reruns these parked records; those no longer parked are skipped (see Recovery.rerunRecords). */
  rerunRecords(records: readonly DocumentRecord[], by: string): Promise<RerunResult['rerun']> {
    return this.recovery.rerunRecords(records, by);
  }

  /** Job counts per queue this process knows, for the ops API and the metrics gauge. */
  async queueCounts(): Promise<QueueCounts> {
    const counts = await queueCounts(
      this.producers,
      this.knownLanes(),
      this.opts.config().tenants.map((t) => t.id),
    );
    // Documents running in a direct lane have no job; their leases count them (queues/lane-leases.ts).
    for (const lane of this.allLanes()) {
      const row = counts[laneQueueName(lane)];
      if (row) row.direct = await this.leases.count(lane);
    }
    return counts;
  }

  /** Stops the workers (see QueueWorkers.close), then the producers. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweepTimer);
      clearInterval(this.reclaimTimer);
      await this.workers?.close(graceMs);
      await settlesWithin(this.leases.close(), 2_000);
      await settlesWithin(this.producers.close(), 2_000);
    })();
    return this.closing;
  }
}
