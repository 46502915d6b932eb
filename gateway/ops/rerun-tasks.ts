// Reruns as background tasks (POST /v1/ops/rerun → 202 with a task id; GET /v1/ops/tasks/:id). A
// rerun of many parked documents must not hold one HTTP request for minutes, and must survive the
// process that started it: the task's state lives in Redis, so any gateway process can report its
// progress, and a task whose runner died (its lease expired) is taken over by the next process that
// starts. Taking over is safe because a rerun only applies to documents that are still parked: the
// task selects again and what was already rerun is no longer selected (or is skipped).
//
// Keys (prefix = redis.keyPrefix):
//   {p}:ops:task:{id}        hash: state, by, request (JSON), selected, rerun, skipped, createdAt, updatedAt, error
//   {p}:ops:task:{id}:lease  string, the runner's token, expires unless renewed
//   {p}:ops:tasks            sorted set of task ids by creation time (the most recent MAX_KEPT)
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DocumentRecord } from '../../domain/document-record.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { rerunEvent } from '../audit/audit-events.ts';
import type { Logger } from '../logger.ts';
import type { ParkedFilter } from './parked-documents.ts';

export type RerunRequest =
  | { filter: ParkedFilter; limit: number }
  | { documents: Array<{ tenant: string; documentId: string }> };

export type TaskState = 'running' | 'done' | 'failed';

export interface TaskView {
  id: string;
  kind: 'rerun';
  state: TaskState;
  by: string;
  request: RerunRequest;
  /** Documents selected (parked when the task looked). */
  selected: number;
  /** Put back on their way. */
  rerun: number;
  /** Selected but no longer parked when their turn came (someone else reran them). */
  skipped: number;
  createdAt: string;
  updatedAt: string;
  error?: string;
}

export interface RerunTaskDeps {
  redis: Redis;
  prefix: string;
  pipeline: {
    selectParked(filter: ParkedFilter, limit: number): Promise<DocumentRecord[]>;
    rerunRecords(records: readonly DocumentRecord[], by: string): Promise<Array<{ tenant: string; documentId: string; run: number; previousCode?: string }>>;
  };
  store: { get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> };
  audit?: Pick<AuditLog, 'append'>;
  logger: Logger;
  /** Documents per step (one progress update each). */
  chunk?: number;
  leaseMs?: number;
}

const KEEP_SECONDS = 86_400;
const MAX_KEPT = 200;

export class RerunTasks {
  private readonly token = randomUUID();
  private readonly running = new Map<string, Promise<void>>();
  private readonly chunk: number;
  private readonly leaseMs: number;
  private stopping = false;

  constructor(private readonly deps: RerunTaskDeps) {
    this.chunk = deps.chunk ?? 100;
    this.leaseMs = deps.leaseMs ?? 30_000;
  }

  private key(id: string): string {
    return `${this.deps.prefix}:ops:task:${id}`;
  }
  private leaseKey(id: string): string {
    return `${this.deps.prefix}:ops:task:${id}:lease`;
  }
  private get indexKey(): string {
    return `${this.deps.prefix}:ops:tasks`;
  }

  /** Records the task and starts it in the background; returns at once. */
  async start(request: RerunRequest, by: string, now = new Date()): Promise<TaskView> {
    const id = randomUUID();
    const at = now.toISOString();
    await this.deps.redis
      .multi()
      .hset(this.key(id), { id, kind: 'rerun', state: 'running', by, request: JSON.stringify(request), selected: 0, rerun: 0, skipped: 0, createdAt: at, updatedAt: at })
      .expire(this.key(id), KEEP_SECONDS)
      .set(this.leaseKey(id), this.token, 'PX', this.leaseMs)
      .zadd(this.indexKey, now.getTime(), id)
      .zremrangebyrank(this.indexKey, 0, -(MAX_KEPT + 1))
      .exec();
    this.launch(id);
    return (await this.get(id))!;
  }

  async get(id: string): Promise<TaskView | undefined> {
    const h = await this.deps.redis.hgetall(this.key(id));
    if (!h.id) return undefined;
    return {
      id: h.id,
      kind: 'rerun',
      state: h.state as TaskState,
      by: h.by ?? '',
      request: JSON.parse(h.request ?? '{}') as RerunRequest,
      selected: Number(h.selected ?? 0),
      rerun: Number(h.rerun ?? 0),
      skipped: Number(h.skipped ?? 0),
      createdAt: h.createdAt ?? '',
      updatedAt: h.updatedAt ?? '',
      ...(h.error ? { error: h.error } : {}),
    };
  }

  async require(id: string): Promise<TaskView> {
    const t = await this.get(id);
    if (!t) throw new GatewayError('OPS_TASK_NOT_FOUND');
    return t;
  }

  /** The most recent tasks, newest first. */
  async recent(n = 20): Promise<TaskView[]> {
    const ids = await this.deps.redis.zrevrange(this.indexKey, 0, n - 1);
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((t): t is TaskView => !!t);
  }

  /** Takes over running tasks whose runner is gone (lease expired); called at start. */
  async resumeAbandoned(): Promise<string[]> {
    const taken: string[] = [];
    for (const id of await this.deps.redis.zrange(this.indexKey, '0', '-1')) {
      if ((await this.deps.redis.hget(this.key(id), 'state')) !== 'running') continue;
      if ((await this.deps.redis.set(this.leaseKey(id), this.token, 'PX', this.leaseMs, 'NX')) !== 'OK') continue;
      this.deps.logger.info('resuming an abandoned rerun task', { task: id });
      this.launch(id);
      taken.push(id);
    }
    return taken;
  }

  /** Resolves when every task this process runs has finished (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /**
   * Shutdown: running tasks stop after their current step and stay 'running' with their lease
   * released, so the next gateway process to start takes them over.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  private launch(id: string): void {
    if (this.stopping) return;
    const p = this.run(id)
      .catch(async (err) => {
        this.deps.logger.error('rerun task failed', { task: id, error: (err as Error).message });
        await this.deps.redis.hset(this.key(id), { state: 'failed', error: (err as Error).message.slice(0, 500), updatedAt: new Date().toISOString() }).catch(() => {});
      })
      .finally(() => {
        this.running.delete(id);
        void this.deps.redis.del(this.leaseKey(id)).catch(() => {});
      });
    this.running.set(id, p);
  }

  private async run(id: string): Promise<void> {
    const task = await this.require(id);
    const records = await this.select(task.request);
    // On a takeover the counts so far stay; what they covered is no longer parked, so not selected again.
    await this.deps.redis.hset(this.key(id), { selected: task.rerun + task.skipped + records.length, updatedAt: new Date().toISOString() });
    for (let i = 0; i < records.length; i += this.chunk) {
      if (this.stopping) return;
      const part = records.slice(i, i + this.chunk);
      const done = await this.deps.pipeline.rerunRecords(part, task.by);
      const byId = new Map(part.map((r) => [`${r.tenant}\n${r.documentId}`, r]));
      for (const d of done) {
        const rec = byId.get(`${d.tenant}\n${d.documentId}`);
        if (rec) await this.deps.audit?.append(rerunEvent({ opsId: task.by, record: rec, run: d.run, ...(d.previousCode ? { previousCode: d.previousCode } : {}) }));
      }
      await this.deps.redis
        .multi()
        .hincrby(this.key(id), 'rerun', done.length)
        .hincrby(this.key(id), 'skipped', part.length - done.length)
        .hset(this.key(id), 'updatedAt', new Date().toISOString())
        .pexpire(this.leaseKey(id), this.leaseMs)
        .exec();
    }
    await this.deps.redis.hset(this.key(id), { state: 'done', updatedAt: new Date().toISOString() });
    this.deps.logger.info('rerun task done', { task: id, by: task.by, selected: records.length });
  }

  private async select(request: RerunRequest): Promise<DocumentRecord[]> {
    if ('documents' in request) {
      const recs = await Promise.all(request.documents.map((d) => this.deps.store.get(d.tenant, d.documentId)));
      return recs.filter((r): r is DocumentRecord => !!r && r.status === 'parked');
    }
    return this.deps.pipeline.selectParked(request.filter, request.limit);
  }
}
