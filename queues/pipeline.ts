// Wires the queue topology of one gateway process: a worker per tenant intake queue (fair admission
// into lanes), a worker per send lane (sign → send → ack), circuit breakers per access point, pause and
// resume, the startup sweep and operator reruns. Several gateway processes may run this against one
// Redis: BullMQ shares the work, pause flags live in Redis, and each document's state is in the store.
import { Worker, type Job, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config, QueuesConfig } from '../config/schema.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';
import { TERMINAL_STATUSES, type DocumentRecord, type DocumentStore } from './document-store.ts';
import { LaneAdmission } from './lane-admission.ts';
import { MicroBatcher } from './micro-batcher.ts';
import type { DocumentSender, DocumentSigner, SendResult } from './ports.ts';
import { backoffDelayMs } from './retry-policy.ts';
import { Semaphore } from './semaphore.ts';
import { processLaneJob, type FinishedEvent, type LaneContext, type SignRequest, type SignResponse } from './send-processor.ts';
import {
  QueueRegistry,
  intakeJobOptions,
  jobIdOf,
  laneJobOptions,
  laneKey,
  laneQueueName,
  parseLaneQueueName,
  type DocumentJob,
  type LaneRef,
} from './topology.ts';
import { DelayedError } from 'bullmq';
import { GatewayError } from '../domain/errors.ts';

export interface PipelineEvents {
  onFinished?(event: FinishedEvent): void;
  onRetryBudgetExhausted?(record: DocumentRecord): void;
  onSend?(accessPoint: string, result: SendResult): void;
  onCircuit?(accessPoint: string, state: CircuitState): void;
  onError?(where: string, err: unknown): void;
}

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
  /** Run intake and lane workers in this process (false: an HTTP-only process that just enqueues). */
  runWorkers?: boolean;
  events?: PipelineEvents;
  now?: () => Date;
}

export interface RerunFilter {
  code?: string;
  tenant?: string;
  controller?: string;
  /** ISO times bounding acceptedAt. */
  from?: string;
  to?: string;
  limit?: number;
}

interface LaneRuntime {
  worker: Worker<DocumentJob>;
  ctx: LaneContext;
}

/** Waits for `p` at most `ms`; true when it settled in time. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children']);

export class Pipeline {
  private readonly producers: QueueRegistry;
  private readonly lanes = new Map<string, LaneRuntime>();
  private readonly intakeWorkers = new Map<string, Worker<DocumentJob>>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly admission: LaneAdmission;
  private readonly now: () => Date;
  private closing: Promise<void> | undefined;
  private pausedCache: { at: number; set: Set<string> } | undefined;

  private constructor(private readonly opts: PipelineOptions) {
    this.producers = new QueueRegistry(opts.producerConnection, opts.prefix);
    this.now = opts.now ?? (() => new Date());
    this.admission = new LaneAdmission(
      async (key) => {
        const [accessPoint, controller] = key.split('|') as [string, string];
        return this.producers.lane({ accessPoint, controller }).getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      },
      () => this.queuesConfig().laneHighWater,
    );
  }

  static async start(opts: PipelineOptions): Promise<Pipeline> {
    const p = new Pipeline(opts);
    if (opts.runWorkers !== false) {
      await p.syncWorkers();
      p.startPeriodicSweep();
    }
    return p;
  }

  private sweepTimer: NodeJS.Timeout | undefined;

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

  private pausedKey(kind: 'controllers' | 'tenants'): string {
    return `${this.opts.prefix}:paused:${kind}`;
  }

  private get parkedLanesKey(): string {
    return `${this.opts.prefix}:parked-lanes`;
  }

  /** Lanes the configuration implies: each tenant's access point × every registry it may write. */
  knownLanes(): LaneRef[] {
    const cfg = this.opts.config();
    const out = new Map<string, LaneRef>();
    for (const t of cfg.tenants) {
      const orgs = new Set<string>();
      for (const a of t.actsFor) {
        orgs.add(a.organisation);
        if (a.joining.model === 'parallel') orgs.add(a.joining.organizer);
        for (const c of cfg.contracts) if (c.provider === a.organisation) orgs.add(c.organizer);
      }
      for (const controller of orgs) out.set(laneKey({ accessPoint: t.accessPoint, controller }), { accessPoint: t.accessPoint, controller });
    }
    return [...out.values()];
  }

  /** Creates workers for tenants and lanes the (possibly reloaded) configuration names. */
  async syncWorkers(): Promise<void> {
    if (this.opts.runWorkers === false) return;
    const cfg = this.opts.config();
    for (const t of cfg.tenants) if (!this.intakeWorkers.has(t.id)) this.startIntakeWorker(t.id, t.weight);
    for (const lane of this.knownLanes()) this.ensureLane(lane);
    const pausedTenants = new Set(await this.opts.redis.smembers(this.pausedKey('tenants')));
    for (const t of cfg.tenants) if (t.paused || pausedTenants.has(t.id)) await this.producers.intake(t.id).pause();
  }

  private startIntakeWorker(tenant: string, weight: number): void {
    const worker = new Worker<DocumentJob>(
      `intake.${tenant}`,
      (job, token) => this.admit(job, token),
      {
        connection: this.opts.workerConnection,
        prefix: this.opts.prefix,
        concurrency: weight * this.queuesConfig().intakeConcurrencyPerWeight,
        lockDuration: this.queuesConfig().lockDurationMs,
        stalledInterval: this.queuesConfig().lockDurationMs,
      },
    );
    worker.on('error', (err) => this.opts.events?.onError?.(`intake.${tenant}`, err));
    this.intakeWorkers.set(tenant, worker);
  }

  /** Paused controllers, re-read at most once a second (pausing also pauses the lane queues themselves). */
  private async pausedControllers(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (!this.pausedCache || now - this.pausedCache.at > 1_000) {
      this.pausedCache = { at: now, set: new Set(await this.opts.redis.smembers(this.pausedKey('controllers'))) };
    }
    return this.pausedCache.set;
  }

  private async admit(job: Job<DocumentJob>, token?: string): Promise<string> {
    const lane = { accessPoint: job.data.accessPoint, controller: job.data.controller };
    if ((await this.pausedControllers()).has(lane.controller)) {
      // A paused controller must not hold up the tenant's other lanes: step aside and look again later.
      await job.moveToDelayed(this.now().getTime() + 2_000, token);
      throw new DelayedError();
    }
    this.ensureLane(lane);
    await this.admission.admit(laneKey(lane), async () => {
      await this.producers.lane(lane).add('send', job.data, { ...laneJobOptions(this.queuesConfig()), jobId: jobIdOf(job.data) });
    });
    return 'admitted';
  }

  private breakerFor(accessPoint: string): CircuitBreaker {
    let b = this.breakers.get(accessPoint);
    if (!b) {
      b = new CircuitBreaker(this.queuesConfig().circuitBreaker, (state) => this.opts.events?.onCircuit?.(accessPoint, state));
      this.breakers.set(accessPoint, b);
    }
    return b;
  }

  circuitState(accessPoint: string): CircuitState {
    return this.breakers.get(accessPoint)?.current ?? 'closed';
  }

  private ensureLane(lane: LaneRef): void {
    if (this.opts.runWorkers === false) return;
    const key = laneKey(lane);
    if (this.lanes.has(key)) return;
    const cfg = this.queuesConfig();
    const signBatcher = new MicroBatcher<SignRequest, SignResponse>(cfg.batch, (items) =>
      Promise.allSettled(items.map((i) => this.opts.signer.sign(i.identity, i.xml))),
    );
    const ctx: LaneContext = { lane, signBatcher, sendSlots: new Semaphore(cfg.laneConcurrency) };
    const worker = new Worker<DocumentJob>(
      laneQueueName(lane),
      (job, token) =>
        processLaneJob(job, token, ctx, {
          store: this.opts.store,
          sender: this.opts.sender,
          breakerFor: (ap) => this.breakerFor(ap),
          queuesConfig: () => this.queuesConfig(),
          onControllerBlocked: (l, code, text) => this.parkLane(l, code, text),
          now: this.now,
          ...(this.opts.events?.onFinished ? { onFinished: this.opts.events.onFinished } : {}),
          ...(this.opts.events?.onRetryBudgetExhausted ? { onRetryBudgetExhausted: this.opts.events.onRetryBudgetExhausted } : {}),
          ...(this.opts.events?.onSend ? { onSend: this.opts.events.onSend } : {}),
        }),
      {
        connection: this.opts.workerConnection,
        prefix: this.opts.prefix,
        // The lane pulls up to a batch of documents at once; sends are bounded separately by sendSlots.
        concurrency: Math.max(cfg.batch.size, cfg.laneConcurrency),
        lockDuration: cfg.lockDurationMs,
        stalledInterval: cfg.lockDurationMs,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(attemptsMade, this.queuesConfig().retry) },
      },
    );
    const wake = () => this.admission.notify(key);
    worker.on('completed', wake);
    worker.on('failed', wake);
    worker.on('error', (err) => this.opts.events?.onError?.(laneQueueName(lane), err));
    this.lanes.set(key, { worker, ctx });
  }

  /** Accepts a stored document into its tenant's intake queue. */
  async enqueue(record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'run' | 'accessPoint' | 'controller'>): Promise<void> {
    const data: DocumentJob = { tenant: record.tenant, documentId: record.documentId, run: record.run, accessPoint: record.accessPoint, controller: record.controller };
    await this.producers.intake(record.tenant).add('admit', data, { ...intakeJobOptions(this.queuesConfig()), jobId: jobIdOf(data) });
  }

  private lanesOf(controller: string): LaneRef[] {
    const lanes = new Map<string, LaneRef>();
    for (const l of this.knownLanes()) if (l.controller === controller) lanes.set(laneKey(l), l);
    for (const name of this.producers.names()) {
      const l = parseLaneQueueName(name);
      if (l && l.controller === controller) lanes.set(laneKey(l), l);
    }
    return [...lanes.values()];
  }

  async pauseController(controller: string, by: string): Promise<void> {
    await this.opts.redis.sadd(this.pausedKey('controllers'), controller);
    this.pausedCache = undefined;
    await this.opts.redis.hset(`${this.opts.prefix}:paused:controllers:by`, controller, JSON.stringify({ by, at: this.now().toISOString() }));
    for (const lane of this.lanesOf(controller)) await this.producers.lane(lane).pause();
  }

  /** Resumes a paused or parked controller: its lanes run again and new documents are admitted. */
  async resumeController(controller: string): Promise<void> {
    await this.opts.redis.srem(this.pausedKey('controllers'), controller);
    this.pausedCache = undefined;
    await this.opts.redis.hdel(`${this.opts.prefix}:paused:controllers:by`, controller);
    for (const lane of this.lanesOf(controller)) {
      await this.opts.redis.hdel(this.parkedLanesKey, laneKey(lane));
      await this.producers.lane(lane).resume();
    }
  }

  async pauseTenant(tenant: string): Promise<void> {
    await this.opts.redis.sadd(this.pausedKey('tenants'), tenant);
    await this.producers.intake(tenant).pause();
  }

  async resumeTenant(tenant: string): Promise<void> {
    await this.opts.redis.srem(this.pausedKey('tenants'), tenant);
    await this.producers.intake(tenant).resume();
  }

  private async parkLane(lane: LaneRef, code: string, text: string): Promise<void> {
    await this.opts.redis.hset(this.parkedLanesKey, laneKey(lane), JSON.stringify({ code, text, at: this.now().toISOString() }));
    await this.opts.redis.sadd(this.pausedKey('controllers'), lane.controller);
    await this.producers.lane(lane).pause();
  }

  async controlState(): Promise<{ pausedControllers: string[]; pausedTenants: string[]; parkedLanes: Record<string, unknown> }> {
    const [pausedControllers, pausedTenants, parked] = await Promise.all([
      this.opts.redis.smembers(this.pausedKey('controllers')),
      this.opts.redis.smembers(this.pausedKey('tenants')),
      this.opts.redis.hgetall(this.parkedLanesKey),
    ]);
    return { pausedControllers, pausedTenants, parkedLanes: Object.fromEntries(Object.entries(parked).map(([k, v]) => [k, JSON.parse(v)])) };
  }

  /**
   * Puts every unfinished document back on its way after a crash or restart. Streams the open set;
   * a document whose intake or lane job is still live is left alone, anything else is re-enqueued
   * (stale finished jobs with the same id are removed first, or BullMQ would ignore the add).
   * `olderThanMs` skips documents touched recently: the periodic sweep must not race an intake that
   * has stored a document and is about to enqueue it (a race that would be harmless, only wasteful).
   */
  async sweep(opts: { olderThanMs?: number } = {}): Promise<{ checked: number; requeued: number }> {
    let checked = 0;
    let requeued = 0;
    const cutoff = this.now().getTime() - (opts.olderThanMs ?? 0);
    for await (const rec of this.opts.store.scanOpen()) {
      if (Date.parse(rec.updatedAt) > cutoff) continue;
      checked += 1;
      const id = jobIdOf(rec);
      const intake = this.producers.intake(rec.tenant);
      const lane = this.producers.lane({ accessPoint: rec.accessPoint, controller: rec.controller });
      const [s1, s2] = await Promise.all([intake.getJobState(id), lane.getJobState(id)]);
      if (LIVE_STATES.has(s1) || LIVE_STATES.has(s2)) continue;
      if (s1 !== 'unknown') await intake.remove(id);
      if (s2 !== 'unknown') await lane.remove(id);
      await this.enqueue(rec);
      requeued += 1;
    }
    return { checked, requeued };
  }

  /** Operator rerun of parked documents: each rerun is a new run linked to the same record and history. */
  async rerun(filter: RerunFilter, by: string): Promise<{ rerun: Array<{ tenant: string; documentId: string; run: number; previousCode?: string }> }> {
    const out: Array<{ tenant: string; documentId: string; run: number; previousCode?: string }> = [];
    const limit = filter.limit ?? 1000;
    // Compared as instants: the bounds may carry an offset or no milliseconds, so string order lies.
    const fromMs = filter.from ? Date.parse(filter.from) : undefined;
    const toMs = filter.to ? Date.parse(filter.to) : undefined;
    // An unreadable bound must not silently widen the selection to every parked document.
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new GatewayError('REQUEST_INVALID', 'from and to must be ISO date-times');
    const selected: DocumentRecord[] = [];
    for await (const rec of this.opts.store.scan(filter.tenant ? { tenant: filter.tenant } : {})) {
      if (rec.status !== 'parked') continue;
      if (filter.code && rec.code !== filter.code) continue;
      if (filter.controller && rec.controller !== filter.controller) continue;
      if (fromMs !== undefined && Date.parse(rec.acceptedAt) < fromMs) continue;
      if (toMs !== undefined && Date.parse(rec.acceptedAt) > toMs) continue;
      selected.push(rec);
      if (selected.length >= limit) break;
    }
    for (let i = 0; i < selected.length; i += 100) {
      await Promise.all(
        selected.slice(i, i + 100).map(async (rec) => {
          const run = rec.run + 1;
          const signed = await this.opts.store.signed(rec.tenant, rec.documentId);
          await this.opts.store.update(
            rec.tenant,
            rec.documentId,
            { status: signed ? 'signed' : 'accepted', run, code: '', text: '' },
            { status: 'rerun', run, by, ...(rec.code ? { code: rec.code } : {}) },
            this.now(),
          );
          await this.enqueue({ ...rec, run });
          out.push({ tenant: rec.tenant, documentId: rec.documentId, run, ...(rec.code ? { previousCode: rec.code } : {}) });
        }),
      );
    }
    return { rerun: out };
  }

  /** Job counts per queue this process knows, for the ops API and the metrics gauge. */
  async queueCounts(): Promise<Record<string, Record<string, number>>> {
    const names = new Set<string>([...this.producers.names(), ...this.knownLanes().map(laneQueueName), ...this.opts.config().tenants.map((t) => `intake.${t.id}`)]);
    const out: Record<string, Record<string, number>> = {};
    for (const name of names) out[name] = await this.producers.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    return out;
  }

  /**
   * Stops taking work, lets jobs in hand finish for up to `graceMs`, then closes by force. A forced
   * close leaves a job active without a lock: the stalled-job check of any process (or this one after
   * a restart) re-runs it, and the stored signed bytes make the resend harmless. A BullMQ close that
   * never settles (seen right after a Redis restart) does not hold shutdown hostage either.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweepTimer);
      this.admission.close();
      const workers = [...this.intakeWorkers.values(), ...[...this.lanes.values()].map((l) => l.worker)];
      const graceful = await settlesWithin(Promise.all(workers.map((w) => w.close())), graceMs);
      if (!graceful) {
        this.opts.events?.onError?.('shutdown', new Error(`workers did not finish within ${graceMs} ms; closing by force`));
        await settlesWithin(Promise.all(workers.map((w) => w.close(true).catch(() => {}))), 2_000);
      }
      await settlesWithin(this.producers.close(), 2_000);
    })();
    return this.closing;
  }
}
