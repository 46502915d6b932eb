// The scrape-time gauges' view of Redis, read-only: BullMQ job counts and a few jobs per queue, the
// pause sets and parked-lane hash the pipeline keeps, and the document records' status. Every read is
// bounded (a fixed number of jobs per queue, SCAN in chunks) and cached for a couple of seconds, so a
// scrape costs a handful of round trips however often Prometheus (or several of them) asks.
//
// Keys read (names as queues/pipeline.ts and queues/document-store.ts write them):
//   {p}:{queue}:meta, wait, active, delayed …  BullMQ (through Queue getters, metas never written)
//   {p}:paused:controllers, {p}:paused:tenants  sets
//   {p}:parked-lanes                             hash "accessPoint|controller" → {code, text, at}
//   {p}:doc:{tenant}:{documentId}                hash status, controller, code, acceptedAt
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DocumentStore } from '../queues/document-store.ts';
import { RedisKeys } from '../queues/redis-keys.ts';
import { intakeQueueName, laneQueueName, parseLaneQueueName, type DocumentJob, type LaneRef } from '../queues/topology.ts';
import type { CircuitStateName, IntakeStat, LaneStat, MetricsSources } from './metrics.ts';

export interface RedisMetricsSourcesOptions {
  /** Plain command connection (the HTTP path's fast-failing one: a scrape must not hang on Redis). */
  redis: Redis;
  /** Connection for the BullMQ Queue handles (may be the same client). */
  connection: ConnectionOptions;
  prefix: string;
  /** Tenants of the configuration in force, with their configured pause flag. */
  tenants: () => Array<{ id: string; paused: boolean }>;
  /** Read-only access to the document records (the store owns their keys). */
  documents: Pick<DocumentStore, 'acceptedAtOf' | 'parkedChunk'>;
  /** Lanes the configuration implies (Pipeline.knownLanes); lanes found in Redis are added. */
  knownLanes: () => readonly LaneRef[];
  /** Circuit state per access point in this process. */
  circuits: () => Array<{ accessPoint: string; state: CircuitStateName }>;
  backlogAgeLimitSeconds: () => number;
  /** How long one read of the queues serves scrapes (default 2 s). */
  cacheMs?: number;
  /** How often the parked-document count is recomputed by scanning the records (default 60 s). */
  parkedRefreshMs?: number;
  now?: () => number;
}

const COUNT_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;
const DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'waiting-children'] as const;
/** Jobs looked at per queue and state for the oldest age: bounded, whatever the backlog. */
const ACTIVE_SAMPLE = 32;
const DELAYED_SAMPLE = 32;
const DISCOVERY_MS = 60_000;
const SCAN_COUNT = 1_000;

/** One value per `ttlMs`; callers while a read is in flight share it (one scrape, one read). */
function cached<T>(ttlMs: number, now: () => number, read: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T>; settled: boolean } | undefined;
  return () => {
    const t = now();
    if (!entry || (entry.settled && t - entry.at >= ttlMs)) {
      const mine = { at: t, value: read(), settled: false };
      entry = mine;
      mine.value.then(
        () => void (mine.settled = true),
        // A failed read is not kept: the next scrape tries again.
        () => void (entry === mine && (entry = undefined)),
      );
    }
    return entry.value;
  };
}

export class RedisMetricsSources implements MetricsSources {
  private readonly queues = new Map<string, Queue<DocumentJob>>();
  private readonly now: () => number;
  private readonly readQueues: () => Promise<{ lanes: LaneStat[]; intakes: IntakeStat[] }>;
  private readonly readPaused: () => Promise<{ controllers: string[]; tenants: string[] }>;
  private readonly readParkedLanes: () => Promise<Array<{ accessPoint: string; controller: string; code: string }>>;
  private readonly readPolicy: () => Promise<string>;
  private readonly discover: () => Promise<{ lanes: LaneRef[]; tenants: string[] }>;
  private parked: { at: number; rows: Array<{ controller: string; code: string; count: number }> } | undefined;
  private parkedScan: Promise<Array<{ controller: string; code: string; count: number }>> | undefined;

  // Every key name comes from the one key module the store also uses; this class only reads.
  private readonly keys: RedisKeys;

  constructor(private readonly opts: RedisMetricsSourcesOptions) {
    this.keys = new RedisKeys(opts.prefix);
    this.now = opts.now ?? Date.now;
    const ttl = opts.cacheMs ?? 2_000;
    this.readQueues = cached(ttl, this.now, () => this.queueStats());
    this.readPaused = cached(ttl, this.now, () => this.pausedNow());
    this.readParkedLanes = cached(ttl, this.now, () => this.parkedLanesNow());
    this.readPolicy = cached(30_000, this.now, async () => /maxmemory_policy:(\S+)/.exec(await opts.redis.info('memory'))?.[1] ?? 'unknown');
    this.discover = cached(DISCOVERY_MS, this.now, () => this.discoverQueues());
  }

  async laneStats(): Promise<LaneStat[]> {
    return (await this.readQueues()).lanes;
  }

  async intakeStats(): Promise<IntakeStat[]> {
    return (await this.readQueues()).intakes;
  }

  paused(): Promise<{ controllers: string[]; tenants: string[] }> {
    return this.readPaused();
  }

  parkedLanes(): Promise<Array<{ accessPoint: string; controller: string; code: string }>> {
    return this.readParkedLanes();
  }

  circuits(): Array<{ accessPoint: string; state: CircuitStateName }> {
    return this.opts.circuits();
  }

  redisMaxmemoryPolicy(): Promise<string> {
    return this.readPolicy();
  }

  backlogAgeLimitSeconds(): number {
    return this.opts.backlogAgeLimitSeconds();
  }

  /**
   * Parked documents by controller and code. Parked records leave the open set and have no index of
   * their own, so this scans the records (SCAN in chunks, three fields each) at most once per
   * `parkedRefreshMs`; scrapes in between get the last complete count, and a scan in progress is
   * never started twice.
   */
  async parkedNow(): Promise<Array<{ controller: string; code: string; count: number }>> {
    const every = this.opts.parkedRefreshMs ?? 60_000;
    const fresh = this.parked && this.now() - this.parked.at < every;
    if (!fresh && !this.parkedScan) {
      const started = this.now();
      this.parkedScan = this.scanParked()
        .then((rows) => {
          this.parked = { at: started, rows };
          return rows;
        })
        .finally(() => {
          this.parkedScan = undefined;
        });
      // A failure of a background refresh surfaces on the next scrape that waits for one.
      this.parkedScan.catch(() => {});
    }
    if (this.parked) return this.parked.rows;
    return this.parkedScan!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  private queue(name: string): Queue<DocumentJob> {
    let q = this.queues.get(name);
    if (!q) {
      // skipMetasUpdate: a read-only handle must not write the queue's meta hash.
      q = new Queue<DocumentJob>(name, { connection: this.opts.connection, prefix: this.opts.prefix, skipMetasUpdate: true });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  /** Lane and intake queues that exist in Redis (other processes, an earlier configuration). */
  private async discoverQueues(): Promise<{ lanes: LaneRef[]; tenants: string[] }> {
    const lanes: LaneRef[] = [];
    const tenants: string[] = [];
    const p = this.opts.prefix;
    for (const [pattern, onName] of [
      [`${p}:lane.*:meta`, (n: string) => {
        const l = parseLaneQueueName(n);
        if (l) lanes.push(l);
      }],
      [`${p}:intake.*:meta`, (n: string) => {
        const m = /^intake\.([a-z0-9][a-z0-9-]*)$/.exec(n);
        if (m) tenants.push(m[1]!);
      }],
    ] as const) {
      let cursor = '0';
      do {
        const [next, keys] = await this.opts.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (const k of keys) onName(k.slice(p.length + 1, -':meta'.length));
      } while (cursor !== '0');
    }
    return { lanes, tenants };
  }

  private async queueStats(): Promise<{ lanes: LaneStat[]; intakes: IntakeStat[] }> {
    const found = await this.discover();
    const lanes = new Map<string, LaneRef>();
    for (const l of [...this.opts.knownLanes(), ...found.lanes]) lanes.set(laneQueueName(l), l);
    const tenants = new Set([...this.opts.tenants().map((t) => t.id), ...found.tenants]);
    const [laneRows, intakeRows] = await Promise.all([
      Promise.all([...lanes.entries()].map(async ([name, l]) => ({ accessPoint: l.accessPoint, controller: l.controller, ...(await this.oneQueue(name, l)) }))),
      Promise.all([...tenants].map(async (tenant) => ({ tenant, ...(await this.oneQueue(intakeQueueName(tenant))) }))),
    ]);
    return { lanes: laneRows, intakes: intakeRows };
  }

  /** `lane`: also the documents running in a direct lane (queues/lane-leases.ts), which have no job. */
  private async oneQueue(name: string, lane?: LaneRef): Promise<Omit<LaneStat, 'accessPoint' | 'controller'>> {
    const q = this.queue(name);
    const leaseKey = lane ? this.keys.leases(lane.accessPoint, lane.controller) : undefined;
    const [counts, oldestWaiting, active, delayed, leased, leaseSample] = await Promise.all([
      q.getJobCounts(...COUNT_STATES),
      // Oldest first (asc): the next job a worker takes from each list.
      q.getJobs(['waiting', 'prioritized'], 0, 0, true),
      q.getJobs(['active'], 0, ACTIVE_SAMPLE - 1),
      // Retries and dependency waits: a bounded sample, soonest due first.
      q.getJobs(['delayed'], 0, DELAYED_SAMPLE - 1, true),
      leaseKey ? this.opts.redis.zcard(leaseKey) : Promise.resolve(0),
      leaseKey ? this.opts.redis.zrange(leaseKey, '0', String(ACTIVE_SAMPLE - 1)) : Promise.resolve([] as string[]),
    ]);
    // An intake job that is active is a document still waiting for admission: a paused controller's
    // documents are taken up every two seconds only to step aside again, and would flicker out of the
    // tenant's backlog while they do. A lane's active job is in flight instead.
    const depth = DEPTH_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0) + (lane ? 0 : (counts.active ?? 0));
    const direct = leaseSample.flatMap((m) => {
      const [tenant, documentId] = m.split('\n');
      return tenant && documentId ? [{ tenant, documentId }] : [];
    });
    const oldestMs = await this.oldestAcceptedMs([...oldestWaiting, ...active, ...delayed], direct);
    return {
      depth,
      // A document in a direct lane is what an active job is on the BullMQ way.
      inFlight: (counts.active ?? 0) + leased,
      oldestWaitingAgeSeconds: oldestMs === undefined ? 0 : Math.max(0, (this.now() - oldestMs) / 1000),
      counts: { ...Object.fromEntries(COUNT_STATES.map((s) => [s, counts[s] ?? 0])), ...(lane ? { direct: leased } : {}) },
    };
  }

  /** The earliest acceptance among the jobs' documents (the job's own timestamp when the record is gone). */
  private async oldestAcceptedMs(jobs: Array<Job<DocumentJob> | undefined>, direct: Array<{ tenant: string; documentId: string }> = []): Promise<number | undefined> {
    const present = jobs.filter((j): j is Job<DocumentJob> => !!j && !!j.data);
    if (present.length === 0 && direct.length === 0) return undefined;
    const replies = await this.opts.documents.acceptedAtOf([...present.map((j) => j.data), ...direct]);
    let oldest = Infinity;
    present.forEach((j, i) => {
      const accepted = replies[i];
      const ms = typeof accepted === 'string' ? Date.parse(accepted) : NaN;
      oldest = Math.min(oldest, Number.isNaN(ms) ? j.timestamp : ms);
    });
    direct.forEach((_d, k) => {
      const ms = Date.parse(replies[present.length + k] ?? '');
      if (!Number.isNaN(ms)) oldest = Math.min(oldest, ms);
    });
    return oldest === Infinity ? undefined : oldest;
  }

  private async pausedNow(): Promise<{ controllers: string[]; tenants: string[] }> {
    const p = this.opts.prefix;
    const [controllers, tenants] = await Promise.all([this.opts.redis.smembers(this.keys.pausedControllers), this.opts.redis.smembers(this.keys.pausedTenants)]);
    const configured = this.opts.tenants().filter((t) => t.paused).map((t) => t.id);
    return { controllers: [...new Set(controllers)].sort(), tenants: [...new Set([...tenants, ...configured])].sort() };
  }

  private async parkedLanesNow(): Promise<Array<{ accessPoint: string; controller: string; code: string }>> {
    const hash = await this.opts.redis.hgetall(this.keys.parkedLanes);
    const out: Array<{ accessPoint: string; controller: string; code: string }> = [];
    for (const [key, value] of Object.entries(hash)) {
      const [accessPoint, controller] = key.split('|');
      if (!accessPoint || !controller) continue;
      let code = 'unknown';
      try {
        const parsed = JSON.parse(value) as { code?: unknown };
        if (typeof parsed.code === 'string' && parsed.code) code = parsed.code;
      } catch {
        // An unreadable entry still marks the lane parked.
      }
      out.push({ accessPoint, controller, code });
    }
    return out;
  }

  private async scanParked(): Promise<Array<{ controller: string; code: string; count: number }>> {
    const counts = new Map<string, { controller: string; code: string; count: number }>();
    let cursor = '0';
    do {
      const chunk = await this.opts.documents.parkedChunk(cursor, SCAN_COUNT);
      cursor = chunk.next;
      for (const { controller, code } of chunk.parked) {
        if (!controller) continue;
        const c = code || 'unknown';
        const key = `${controller}|${c}`;
        const row = counts.get(key) ?? { controller, code: c, count: 0 };
        row.count += 1;
        counts.set(key, row);
      }
    } while (cursor !== '0');
    return [...counts.values()].sort((a, b) => a.controller.localeCompare(b.controller) || a.code.localeCompare(b.code));
  }

}
