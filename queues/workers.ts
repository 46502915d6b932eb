// The BullMQ workers of one gateway process: one per tenant intake queue (fair admission into the
// send lanes) and one per send lane (sign → send → ack, queues/send-processor.ts), with the circuit
// breaker of each access point. Several processes may run them against one Redis: BullMQ shares the
// work, and each document's state is in the store.
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { QueuesConfig } from '../config/schema.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';
import { DirectLane } from './direct-lane.ts';
import type { DocumentStore, SendState } from './document-store.ts';
import type { FlowControl } from './flow-control.ts';
import { LaneAdmission } from './lane-admission.ts';
import type { LaneLeases } from './lane-leases.ts';
import type { DocumentSender, DocumentSigner, SendResult } from './ports.ts';
import { backoffDelayMs } from './retry-policy.ts';
import { Semaphore } from './semaphore.ts';
import { processLaneJob, type FinishedEvent, type LaneContext, type LaneJob, type SendProcessorDeps } from './send-processor.ts';
import { intakeQueueName, jobIdOf, laneJobOptions, laneKey, laneQueueName, type DocumentJob, type LaneRef, type QueueRegistry } from './topology.ts';
import type { DocumentRecord } from '../domain/document-record.ts';
import type { Redis } from 'ioredis';

export interface PipelineEvents {
  /** Awaited before a document's terminal transition (the usage-log entry); see send-processor.ts. */
  recordFinished?(event: FinishedEvent): Promise<void>;
  onFinished?(event: FinishedEvent): void;
  onRetryBudgetExhausted?(record: DocumentRecord): void;
  onSend?(accessPoint: string, result: SendResult): void;
  onCircuit?(accessPoint: string, state: CircuitState): void;
  onError?(where: string, err: unknown): void;
}

export interface QueueWorkersDeps {
  connection: ConnectionOptions;
  /** Commands outside BullMQ (whether an admitted document's lane job exists). */
  redis: Redis;
  prefix: string;
  store: DocumentStore;
  signer: DocumentSigner;
  sender: DocumentSender;
  producers: QueueRegistry;
  leases: LaneLeases;
  flow: FlowControl;
  queuesConfig(): QueuesConfig;
  events: PipelineEvents | undefined;
  now(): Date;
}

interface LaneRuntime {
  worker: Worker<DocumentJob>;
  ctx: LaneContext;
}

/** A BullMQ lane job as the send processor sees it. */
function bullmqLaneJob(job: Job<DocumentJob>, token: string | undefined): LaneJob {
  return {
    data: job.data,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    delayUntil: async (untilMs) => {
      await job.moveToDelayed(untilMs, token);
      throw new DelayedError();
    },
  };
}

/** Waits for `p` at most `ms`; true when it settled in time. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class QueueWorkers {
  private readonly lanes = new Map<string, LaneRuntime>();
  private readonly intakeWorkers = new Map<string, Worker<DocumentJob>>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly admission: LaneAdmission;
  private readonly direct: DirectLane;

  constructor(private readonly deps: QueueWorkersDeps) {
    this.admission = new LaneAdmission(
      async (key) => {
        const [accessPoint, controller] = key.split('|') as [string, string];
        const lane = { accessPoint, controller };
        // The direct lane's documents are the lane's too: a lease per document running outside BullMQ.
        const [jobs, leased] = await Promise.all([deps.producers.lane(lane).getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'), deps.leases.count(lane)]);
        return jobs + leased;
      },
      () => deps.queuesConfig().laneHighWater,
    );
    this.direct = new DirectLane({
      leases: deps.leases,
      run: (job) => {
        const lane = { accessPoint: job.data.accessPoint, controller: job.data.controller };
        return processLaneJob(job, this.lanes.get(laneKey(lane))!.ctx, this.processorDeps());
      },
      handOver: async (data, opts) => {
        await deps.producers.lane(data).add('send', data, { ...laneJobOptions(deps.queuesConfig()), jobId: jobIdOf(data), delay: opts.delayMs, attempts: opts.attempts });
      },
      queuesConfig: () => deps.queuesConfig(),
      onLeftLane: (key) => this.admission.notify(key),
      onError: (where, err) => deps.events?.onError?.(where, err),
      now: () => deps.now().getTime(),
    });
  }

  private processor: SendProcessorDeps | undefined;

  private processorDeps(): SendProcessorDeps {
    const events = this.deps.events;
    return (this.processor ??= {
      store: this.deps.store,
      sender: this.deps.sender,
      breakerFor: (ap) => this.breakerFor(ap),
      queuesConfig: () => this.deps.queuesConfig(),
      onControllerBlocked: (l, code, text) => this.deps.flow.parkLane(l, code, text),
      now: this.deps.now,
      ...(events?.recordFinished ? { recordFinished: events.recordFinished } : {}),
      ...(events?.onFinished ? { onFinished: events.onFinished } : {}),
      ...(events?.onRetryBudgetExhausted ? { onRetryBudgetExhausted: events.onRetryBudgetExhausted } : {}),
      ...(events?.onSend ? { onSend: events.onSend } : {}),
    });
  }

  /**
   * Hands the documents whose direct-lane lease ran out (the process running them died or hung) to
   * their BullMQ lanes, as the stalled-job check does for a lane job whose lock ran out.
   */
  async reclaimExpiredLeases(lanes: readonly LaneRef[]): Promise<number> {
    let reclaimed = 0;
    for (const lane of lanes) {
      const expired = await this.deps.leases.expired(lane);
      if (expired.length === 0) continue;
      this.ensureLane(lane);
      const opts = laneJobOptions(this.deps.queuesConfig());
      for (const data of expired) await this.deps.producers.lane(lane).add('send', data, { ...opts, jobId: jobIdOf(data) });
      await this.deps.leases.drop(lane, expired);
      reclaimed += expired.length;
    }
    return reclaimed;
  }

  hasIntake(tenant: string): boolean {
    return this.intakeWorkers.has(tenant);
  }

  startIntake(tenant: string, weight: number): void {
    if (this.intakeWorkers.has(tenant)) return;
    const cfg = this.deps.queuesConfig();
    const worker = new Worker<DocumentJob>(intakeQueueName(tenant), (job, token) => this.admit(job, token), {
      connection: this.deps.connection,
      prefix: this.deps.prefix,
      concurrency: weight * cfg.intakeConcurrencyPerWeight,
      lockDuration: cfg.lockDurationMs,
      stalledInterval: cfg.lockDurationMs,
    });
    worker.on('error', (err) => this.deps.events?.onError?.(intakeQueueName(tenant), err));
    this.intakeWorkers.set(tenant, worker);
  }

  private async admit(job: Job<DocumentJob>, token?: string): Promise<string> {
    const lane = { accessPoint: job.data.accessPoint, controller: job.data.controller };
    if ((await this.deps.flow.pausedControllers()).has(lane.controller)) {
      // A paused controller must not hold up the tenant's other lanes: step aside and look again later.
      await job.moveToDelayed(this.deps.now().getTime() + 2_000, token);
      throw new DelayedError();
    }
    this.ensureLane(lane);
    await this.admission.admit(laneKey(lane), async () => {
      if (await this.runAdmittedDirectly(job.data)) return;
      await this.deps.producers.lane(lane).add('send', job.data, { ...laneJobOptions(this.deps.queuesConfig()), jobId: jobIdOf(job.data) });
    });
    return 'admitted';
  }

  /**
   * An admitted document runs in the direct lane, as one intake let straight in does: its lane job
   * (about 43 Redis commands: add, move to active, move to finished) would only carry it through the
   * same processor. Costs the record-and-bytes read the lane job would have paid too (one pipeline of
   * three) and two checks sent with it, the lease and the lane job's key. Not when its lane job already exists (an intake job run again after a stall or
   * a failed admission; BullMQ would have ignored the add) or a process runs it directly right now:
   * those stay with the way they are on. False: add the lane job as before.
   */
  private async runAdmittedDirectly(data: DocumentJob): Promise<boolean> {
    if (!this.direct.hasRoom(data)) return false;
    const laneJobKey = this.deps.producers.lane(data).toKey(jobIdOf(data));
    const [state, leased, laneJobs] = await Promise.all([this.deps.store.loadForSend(data.tenant, data.documentId), this.deps.leases.isLeased(data), this.deps.redis.exists(laneJobKey)]);
    if (!state || leased || laneJobs > 0) return false;
    return this.direct.tryRun(data, state);
  }

  /**
   * Intake's short way: when the lane has room and nobody here waits for it, the document enters the
   * lane at once, skipping the intake job (about 40 Redis commands: add, move to active, move to
   * finished; docs/performance.md). With the record and bytes in hand (`state`: a document just accepted
   * here) it runs in the direct lane (queues/direct-lane.ts), with no BullMQ job at all while nothing
   * makes it wait; otherwise its lane job is added (the same job an intake worker would add, same id).
   * Never for a paused tenant or controller: those documents wait in the intake queue as before. False:
   * take the queued way.
   */
  async admitDirect(data: DocumentJob, tenantPausedInConfig: boolean, state?: SendState): Promise<boolean> {
    if (tenantPausedInConfig || !this.intakeWorkers.has(data.tenant)) return false;
    const lane = { accessPoint: data.accessPoint, controller: data.controller };
    const key = laneKey(lane);
    const pauses = this.deps.flow.recentPauses();
    if (!pauses || pauses.controllers.has(lane.controller) || pauses.tenants.has(data.tenant)) return false;
    this.ensureLane(lane);
    if (!this.admission.tryTakeNow(key)) return false;
    if (state && this.direct.tryRun(data, state)) return true;
    try {
      await this.deps.producers.lane(lane).add('send', data, { ...laneJobOptions(this.deps.queuesConfig()), jobId: jobIdOf(data) });
    } catch (err) {
      this.admission.giveBack(key);
      throw err;
    }
    return true;
  }

  private breakerFor(accessPoint: string): CircuitBreaker {
    let b = this.breakers.get(accessPoint);
    if (!b) {
      b = new CircuitBreaker(this.deps.queuesConfig().circuitBreaker, (state) => this.deps.events?.onCircuit?.(accessPoint, state));
      this.breakers.set(accessPoint, b);
    }
    return b;
  }

  circuitState(accessPoint: string): CircuitState {
    return this.breakers.get(accessPoint)?.current ?? 'closed';
  }

  ensureLane(lane: LaneRef): void {
    const key = laneKey(lane);
    if (this.lanes.has(key)) return;
    const cfg = this.deps.queuesConfig();
    // Each document goes to the signer as soon as its job runs: the signer pool queues per signing key and
    // each key's thread drains what is queued (certs/signer-pool.ts), so gathering a batch here first
    // only added a timer hop and latency (docs/performance.md).
    const ctx: LaneContext = { lane, sign: (identity, xml) => this.deps.signer.sign(identity, xml), sendSlots: new Semaphore(cfg.laneConcurrency) };
    const worker = new Worker<DocumentJob>(
      laneQueueName(lane),
      (job, token) => processLaneJob(bullmqLaneJob(job, token), ctx, this.processorDeps()),
      {
        connection: this.deps.connection,
        prefix: this.deps.prefix,
        // The lane holds up to batch.size documents at once (signing); sends are bounded separately by sendSlots.
        concurrency: Math.max(cfg.batch.size, cfg.laneConcurrency),
        lockDuration: cfg.lockDurationMs,
        stalledInterval: cfg.lockDurationMs,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(attemptsMade, this.deps.queuesConfig().retry) },
      },
    );
    const wake = () => this.admission.notify(key);
    worker.on('completed', wake);
    worker.on('failed', wake);
    worker.on('error', (err) => this.deps.events?.onError?.(laneQueueName(lane), err));
    this.lanes.set(key, { worker, ctx });
  }

  /**
   * Stops taking work, lets jobs in hand finish for up to `graceMs`, then closes by force. A forced
   * close leaves a job active without a lock: the stalled-job check of any process (or this one after
   * a restart) re-runs it, and the stored signed bytes make the resend harmless. A BullMQ close that
   * never settles (seen right after a Redis restart) does not hold shutdown hostage either.
   */
  async close(graceMs: number): Promise<void> {
    this.admission.close();
    const workers = [...this.intakeWorkers.values(), ...[...this.lanes.values()].map((l) => l.worker)];
    // Direct runs still going when the grace ends keep their leases: they run out and are reclaimed.
    const [graceful] = await Promise.all([settlesWithin(Promise.all(workers.map((w) => w.close())), graceMs), this.direct.close(graceMs)]);
    if (!graceful) {
      this.deps.events?.onError?.('shutdown', new Error(`workers did not finish within ${graceMs} ms; closing by force`));
      await settlesWithin(Promise.all(workers.map((w) => w.close(true).catch(() => {}))), 2_000);
    }
  }
}
