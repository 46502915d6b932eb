// The metrics of a gateway process on a real redis-server with real BullMQ queues: zero series from the
// first scrape, lane and intake depth and age read at scrape time, parked documents and lanes, pauses,
// circuits, sign and send durations, HTTP requests by route pattern, standard process metric names, and
// `promtool check metrics` on the scrape output.
import { expect } from 'chai';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import { DocumentStore, type DocumentRecord } from '../../queues/document-store.ts';
import { Pipeline } from '../../queues/pipeline.ts';
import type { DocumentSender, DocumentSigner, SendResult } from '../../queues/ports.ts';
import { intakeQueueName, jobIdOf, laneQueueName, type DocumentJob } from '../../queues/topology.ts';
import { httpMetrics } from '../../gateway/http-metrics.ts';
import { RedisMetricsSources } from '../../gateway/metrics-sources.ts';
import { buildRoutingIndex } from '../../gateway/routing/index.ts';
import { createMetrics, timedSigner, type GatewayMetrics } from '../../gateway/metrics.ts';
import { parkForTest, testDecision, testReceipt } from '../helpers/record-fixtures.ts';
import { queueTestConfig } from '../helpers/queue-config.ts';
import { useRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Waits until `fn` holds, and fails the test when it never does. */
async function until(fn: () => Promise<boolean>): Promise<void> {
  expect(await waitFor(fn, (v) => v, 10_000), 'condition never held').to.equal(true);
}

const ORG = ['1.2.246.10.61000000.10.0', '1.2.246.10.61000001.10.0'] as const;
const NOW = Date.parse('2026-06-01T12:00:00Z');

function rawConfig(): ConfigInput {
  return queueTestConfig(ORG, { retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 40, retryBudgetHours: 1 }, batch: { size: 2, waitMs: 5 }, laneConcurrency: 2 });
}

/** One sample's value from the text exposition, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not found (Debian package prometheus; scripts/install-system-deps.sh installs it): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('gateway/metrics (real Redis, real BullMQ queues)', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let store: DocumentStore;
  let metrics: GatewayMetrics;
  let sources: RedisMetricsSources;
  let pipeline: Pipeline | undefined;
  const extraQueues: Queue[] = [];
  let serial = 0;
  const loaded = () => validateConfig({ ...rawConfig(), redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `m${randomUUID().slice(0, 8)}`;
    store = new DocumentStore(redis, prefix);
    metrics = createMetrics();
  });
  afterEach(async () => {
    await pipeline?.close(2_000);
    pipeline = undefined;
    await sources?.close();
    await Promise.all(extraQueues.splice(0).map((q) => q.close()));
  });

  async function start(opts: { runWorkers: boolean; sender?: DocumentSender; signer?: DocumentSigner; now?: () => number }): Promise<Pipeline> {
    const cfg = loaded().config;
    const signer: DocumentSigner = opts.signer ?? { sign: async (_id, xml) => ({ signedXml: `${xml}<!--signed-->`, receipt: testReceipt() }) };
    const sender: DocumentSender = opts.sender ?? { send: async () => ({ action: 'archived', messageId: randomUUID(), transportFailure: false, durationMs: 1 }) };
    const p = await Pipeline.start({
      workerConnection: redis,
      producerConnection: redis,
      redis,
      prefix,
      store,
      // The wiring main.ts does: sign durations through timedSigner, sends and finishes through the events.
      signer: timedSigner(signer, metrics),
      sender,
      config: () => cfg,
      runWorkers: opts.runWorkers,
      lanes: () => buildRoutingIndex(cfg, 'test').lanes,
      events: {
        onFinished: (e) => metrics.documentsFinished.inc({ controller: e.record.controller, status: e.status, code: e.code ?? '' }),
        onRetryBudgetExhausted: (r) => metrics.retryBudgetExhausted.inc({ controller: r.controller }),
        onSend: (ap, r) => metrics.sendDuration.observe({ access_point: ap, outcome: r.action }, r.durationMs / 1000),
      },
    });
    sources = new RedisMetricsSources({
      redis,
      documents: store,
      connection: redis,
      prefix,
      tenants: () => cfg.tenants.map((t) => ({ id: t.id, paused: t.paused })),
      knownLanes: () => p.knownLanes(),
      circuits: () => cfg.kanta.accessPoints.map((a) => ({ accessPoint: a.id, state: p.circuitState(a.id) })),
      backlogAgeLimitSeconds: () => cfg.queues.backlogAgeLimitSeconds,
      cacheMs: 0,
      parkedRefreshMs: 0,
      ...(opts.now ? { now: opts.now } : {}),
    });
    metrics.attachSources(sources);
    metrics.seed({ tenants: cfg.tenants.map((t) => t.id), accessPoints: cfg.kanta.accessPoints.map((a) => a.id), controllers: p.knownLanes().map((l) => l.controller) });
    pipeline = p;
    return p;
  }

  async function create(tenant: number, acceptedAt: Date, controller: string = ORG[tenant]!): Promise<DocumentRecord> {
    serial += 1;
    const documentId = `${ORG[tenant]}.95.${serial}${Date.now()}`;
    const res = await store.create(
      {
        tenant: `t${tenant}`,
        documentId,
        setId: documentId,
        versionNumber: 1,
        operation: 'archive',
        documentGroup: '5',
        controller,
        accessPoint: 'ap',
        signingIdentity: 'sig',
        usage: 'ownUse',
        writerOrganisation: ORG[tenant]!,
        ruleId: 'R-OWN-REGISTRY',
        decision: testDecision({ controller, writerOrganisation: ORG[tenant]! }),
        dependsOn: [],
      },
      Buffer.from(`<doc id="${documentId}">näyte</doc>`),
      acceptedAt,
    );
    if (!res.created) throw new Error('duplicate');
    return res.record;
  }

  it('has a series for every configured label value from the first scrape, standard process names, and passes promtool', async () => {
    await start({ runWorkers: false });
    const text = await metrics.registry.metrics();
    for (const tenant of ['t0', 't1']) {
      expect(sample(text, 'kgw_intake_total', { tenant, outcome: 'accepted' }), tenant).to.equal(0);
      expect(sample(text, 'kgw_tenant_paused', { tenant })).to.equal(0);
      expect(sample(text, 'kgw_intake_depth', { tenant })).to.equal(0);
      expect(sample(text, 'kgw_callback_dead_letters', { tenant })).to.equal(0);
    }
    for (const controller of ORG) {
      expect(sample(text, 'kgw_retry_budget_exhausted_total', { controller })).to.equal(0);
      expect(sample(text, 'kgw_documents_finished_total', { controller, status: 'archived' })).to.equal(0);
      expect(sample(text, 'kgw_controller_paused', { controller })).to.equal(0);
      expect(sample(text, 'kgw_lane_depth', { access_point: 'ap', controller })).to.equal(0);
      expect(sample(text, 'kgw_lane_oldest_waiting_age_seconds', { access_point: 'ap', controller })).to.equal(0);
    }
    expect(sample(text, 'kgw_circuit_state', { access_point: 'ap' })).to.equal(0);
    expect(sample(text, 'kgw_kanta_send_seconds_count', { access_point: 'ap', outcome: 'archived' })).to.equal(0);
    expect(sample(text, 'kgw_sign_seconds_count', { outcome: 'ok' })).to.equal(0);
    expect(sample(text, 'kgw_backlog_age_limit_seconds')).to.equal(3600);
    expect(sample(text, 'kgw_redis_maxmemory_policy_info', { policy: 'noeviction' })).to.equal(1);
    expect(sample(text, 'kgw_metrics_source_up', { source: 'queues' })).to.equal(1);
    expect(sample(text, 'process_cpu_seconds_total')).to.be.a('number');
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
    expect(text).not.to.include('kgw_process_');
    const check = promtoolCheck(text);
    expect(check.output).to.equal('');
    expect(check.status).to.equal(0);
  });

  it('reads lane and intake depth and the oldest waiting age (from acceptance) at scrape time, lanes found in Redis included', async () => {
    const p = await start({ runWorkers: false, now: () => NOW });
    // Intake: two documents waiting for admission, the older accepted an hour ago.
    await p.enqueue(await create(0, new Date(NOW - 3_600_000)));
    await p.enqueue(await create(0, new Date(NOW - 60_000)));
    // Lane ap/ORG1: one waiting (2 h old), one delayed retry (3 h old); written as the intake worker does.
    const lane = new Queue<DocumentJob>(laneQueueName({ accessPoint: 'ap', controller: ORG[1] }), { connection: redis, prefix });
    // A lane the configuration no longer names (an earlier version's controller) still holds a document.
    const stray = new Queue<DocumentJob>(laneQueueName({ accessPoint: 'ap', controller: '1.2.246.10.69999999.10.0' }), { connection: redis, prefix });
    extraQueues.push(lane, stray);
    for (const [q, rec, delay] of [
      [lane, await create(1, new Date(NOW - 7_200_000)), 0],
      [lane, await create(1, new Date(NOW - 10_800_000)), 60_000],
      [stray, await create(1, new Date(NOW - 600_000), '1.2.246.10.69999999.10.0'), 0],
    ] as const) {
      const data: DocumentJob = { tenant: rec.tenant, documentId: rec.documentId, run: 0, accessPoint: 'ap', controller: rec.controller };
      await q.add('send', data, { jobId: jobIdOf(data), ...(delay ? { delay } : {}) });
    }
    await stray.waitUntilReady();
    await until(async () => (await redis.exists(`${prefix}:${stray.name}:meta`)) === 1);

    const text = await metrics.registry.metrics();
    expect(sample(text, 'kgw_intake_depth', { tenant: 't0' })).to.equal(2);
    expect(sample(text, 'kgw_intake_oldest_waiting_age_seconds', { tenant: 't0' })).to.equal(3600);
    expect(sample(text, 'kgw_intake_depth', { tenant: 't1' })).to.equal(0);
    expect(sample(text, 'kgw_queue_jobs', { queue: 'intake.t0', state: 'waiting' })).to.equal(2);
    const l1 = { access_point: 'ap', controller: ORG[1] };
    expect(sample(text, 'kgw_lane_depth', l1)).to.equal(2);
    expect(sample(text, 'kgw_lane_oldest_waiting_age_seconds', l1)).to.equal(10_800);
    expect(sample(text, 'kgw_lane_in_flight', l1)).to.equal(0);
    expect(sample(text, 'kgw_queue_jobs', { queue: laneQueueName({ accessPoint: 'ap', controller: ORG[1] }), state: 'delayed' })).to.equal(1);
    expect(sample(text, 'kgw_lane_oldest_waiting_age_seconds', { access_point: 'ap', controller: '1.2.246.10.69999999.10.0' })).to.equal(600);
    expect(sample(text, 'kgw_lane_depth', { access_point: 'ap', controller: ORG[0] })).to.equal(0);
    expect(text, 'no document id in any label').not.to.match(/\.95\.\d/);
    expect(promtoolCheck(text).status).to.equal(0);

    // An intake job taken up (an admission in progress, or a paused controller's document about to step
    // aside again) is still a document waiting for admission: the backlog does not flicker.
    const taker = new Worker<DocumentJob>(intakeQueueName('t0'), null, { connection: redis, prefix });
    try {
      expect(await taker.getNextJob('test-token')).to.not.equal(undefined);
      const during = await metrics.registry.metrics();
      expect(sample(during, 'kgw_queue_jobs', { queue: 'intake.t0', state: 'active' })).to.equal(1);
      expect(sample(during, 'kgw_intake_depth', { tenant: 't0' })).to.equal(2);
    } finally {
      await taker.close();
    }
  });

  it('reports documents parked by controller and code, parked lanes, pauses, sign and send durations after real sends', async () => {
    const sender: DocumentSender = {
      async send(_ap, doc): Promise<SendResult> {
        const base = { messageId: randomUUID(), transportFailure: false, durationMs: 5 };
        // Org 0's documents are parked one by one; org 1's controller is refused as a whole.
        if (doc.signedCda.toString('utf8').includes(ORG[0])) return { ...base, action: 'park', code: 'KANTA_APPLICATION_ERROR' };
        return { ...base, action: 'park-controller', code: 'KANTA_CONTROLLER_BLOCKED' };
      },
    };
    const p = await start({ runWorkers: true, sender });
    const parked = [await create(0, new Date()), await create(0, new Date())];
    const blocked = await create(1, new Date());
    for (const r of [...parked, blocked]) await p.enqueue(r);
    await until(async () => (await Promise.all(parked.map((r) => store.get(r.tenant, r.documentId)))).every((r) => r?.status === 'parked'));
    await until(async () => Object.keys((await p.controlState()).parkedLanes).length === 1);
    await p.pauseTenant('t1');

    const text = await metrics.registry.metrics();
    expect(sample(text, 'kgw_documents_parked', { controller: ORG[0], code: 'KANTA_APPLICATION_ERROR' })).to.equal(2);
    expect(sample(text, 'kgw_documents_parked', { controller: ORG[1] })).to.equal(undefined);
    expect(sample(text, 'kgw_lane_parked', { access_point: 'ap', controller: ORG[1], code: 'KANTA_CONTROLLER_BLOCKED' })).to.equal(1);
    expect(sample(text, 'kgw_controller_paused', { controller: ORG[1] })).to.equal(1);
    expect(sample(text, 'kgw_controller_paused', { controller: ORG[0] })).to.equal(0);
    expect(sample(text, 'kgw_tenant_paused', { tenant: 't1' })).to.equal(1);
    expect(sample(text, 'kgw_documents_finished_total', { controller: ORG[0], status: 'parked', code: 'KANTA_APPLICATION_ERROR' })).to.equal(2);
    expect(sample(text, 'kgw_sign_seconds_count', { outcome: 'ok' })).to.equal(3);
    expect(sample(text, 'kgw_kanta_send_seconds_count', { access_point: 'ap', outcome: 'park' })).to.equal(2);
    expect(promtoolCheck(text).status).to.equal(0);

    // Resumed: the controller is no longer paused on the next scrape (no process-local memory of it).
    await p.resumeController(ORG[1]);
    await p.resumeTenant('t1');
    const after = await metrics.registry.metrics();
    expect(sample(after, 'kgw_controller_paused', { controller: ORG[1] })).to.equal(0);
    expect(sample(after, 'kgw_tenant_paused', { tenant: 't1' })).to.equal(0);
    expect(sample(after, 'kgw_lane_parked', { controller: ORG[1] })).to.equal(undefined);
  });

  it('counts a failed signature under outcome "error"', async () => {
    const signer: DocumentSigner = { sign: async () => Promise.reject(new GatewayError('SIGN_SELF_CHECK_FAILED', 'test signature does not verify')) };
    const p = await start({ runWorkers: true, signer });
    const rec = await create(0, new Date());
    await p.enqueue(rec);
    await until(async () => (await store.get(rec.tenant, rec.documentId))?.status === 'parked');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'kgw_sign_seconds_count', { outcome: 'error' })).to.equal(1);
    expect(sample(text, 'kgw_documents_parked', { controller: ORG[0], code: 'SIGN_SELF_CHECK_FAILED' })).to.equal(1);
  });

  it('keeps the scrape answering when Redis reads fail: the state gauges go empty and kgw_metrics_source_up says 0', async () => {
    const p = await start({ runWorkers: false });
    const broken = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    await broken.connect();
    broken.disconnect();
    const s = new RedisMetricsSources({ redis: broken, connection: broken, documents: new DocumentStore(broken, prefix), prefix, tenants: () => [], knownLanes: () => p.knownLanes(), circuits: () => [], backlogAgeLimitSeconds: () => 1, cacheMs: 0 });
    metrics.attachSources(s);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'kgw_metrics_source_up', { source: 'queues' })).to.equal(0);
    expect(sample(text, 'kgw_metrics_source_up', { source: 'paused' })).to.equal(0);
    expect(sample(text, 'kgw_lane_depth')).to.equal(undefined);
    expect(sample(text, 'kgw_intake_total', { tenant: 't0', outcome: 'accepted' })).to.equal(0);
    await s.close();
  });

  it('keeps scrapes cheap: reads are shared within the cache window and the parked count is kept between its refreshes', async () => {
    const p = await start({ runWorkers: false });
    const cfg = loaded().config;
    const cachedSources = new RedisMetricsSources({
      redis,
      documents: store,
      connection: redis,
      prefix,
      tenants: () => cfg.tenants.map((t) => ({ id: t.id, paused: t.paused })),
      knownLanes: () => p.knownLanes(),
      circuits: () => [],
      backlogAgeLimitSeconds: () => 3600,
      cacheMs: 60_000,
      parkedRefreshMs: 60_000,
    });
    metrics.attachSources(cachedSources);
    const rec = await create(0, new Date());
    await parkForTest(store, rec, { code: 'KANTA_APPLICATION_ERROR' });
    const calls = async (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0);
    await redis.config('RESETSTAT');
    const first = await metrics.registry.metrics();
    // Two pause sets read once, although three gauges and the source check use them in each scrape.
    expect(await calls('smembers')).to.equal(2);
    expect((await calls('evalsha')) + (await calls('eval')), 'BullMQ counts and the parked scan are scripts').to.be.greaterThan(0);
    // A second document parks; the next scrape (inside both windows) sends Redis nothing at all.
    const other = await create(0, new Date());
    await parkForTest(store, other, { code: 'KANTA_APPLICATION_ERROR' });
    await redis.config('RESETSTAT');
    const second = await metrics.registry.metrics();
    const stats = await redis.info('commandstats');
    expect([...stats.matchAll(/cmdstat_(\w+):calls=\d+/g)].map((m) => m[1]).filter((c) => c !== 'info' && c !== 'config')).to.deep.equal([]);
    expect(sample(first, 'kgw_documents_parked', { controller: ORG[0], code: 'KANTA_APPLICATION_ERROR' })).to.equal(1);
    expect(sample(second, 'kgw_documents_parked', { controller: ORG[0], code: 'KANTA_APPLICATION_ERROR' })).to.equal(1);
    await cachedSources.close();
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    const app = express();
    app.use(httpMetrics(metrics));
    const v1 = express.Router();
    v1.get('/documents/:documentId', (req, res) => void res.json({ id: req.params.documentId }));
    v1.post('/documents', () => {
      throw new GatewayError('REQUEST_INVALID', 'bad');
    });
    app.use('/v1', v1);
    app.get('/healthz', (_req, res) => void res.send('ok'));
    app.use((_req, res) => void res.status(404).send('no'));
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(400).send('bad'));
    const srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      for (const id of ['1.2.246.10.61000000.10.0.95.1', '1.2.246.10.61000000.10.0.95.2']) expect((await fetch(`${base}/v1/documents/${id}`)).status).to.equal(200);
      expect((await fetch(`${base}/v1/documents`, { method: 'POST' })).status).to.equal(400);
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      expect((await fetch(`${base}/v1/nothing/1.2.246.10.61000000.10.0.95.3`)).status).to.equal(404);
    } finally {
      srv.close();
    }
    const text = await metrics.registry.metrics();
    expect(sample(text, 'kgw_http_requests_total', { method: 'GET', route: '/v1/documents/:documentId', status: '200' })).to.equal(2);
    expect(sample(text, 'kgw_http_requests_total', { method: 'POST', route: '/v1/documents', status: '400' })).to.equal(1);
    expect(sample(text, 'kgw_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).to.equal(1);
    expect(sample(text, 'kgw_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).to.equal(1);
    expect(sample(text, 'kgw_http_request_duration_seconds_count', { method: 'GET', route: '/v1/documents/:documentId' })).to.equal(2);
    expect(text).not.to.include('.95.');
    expect(promtoolCheck(text).status).to.equal(0);
  });
});
