// Tenant callbacks (issue 12 item 3) on a real redis-server with real local HTTP receivers, driven by
// the store's real lifecycle transitions (and, for isolation, the real queue pipeline): each event
// delivered once, redelivered after failures, signed as docs/callbacks.md says, dead-lettered and
// redelivered through the API, a crashed consumer's events taken over, one non-delivery report per
// stuck document, and a slow receiver holding back neither archiving nor another tenant.
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis } from 'ioredis';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, isConfigError, validateConfig } from '../../../config/load.ts';
import { TenantCallbacksSchema, type ConfigInput } from '../../../config/schema.ts';
import { DocumentStore, type DocumentRecord } from '../../../queues/document-store.ts';
import { LifecycleEvents } from '../../../queues/lifecycle-events.ts';
import { Pipeline } from '../../../queues/pipeline.ts';
import type { DocumentSender, DocumentSigner, SendResult } from '../../../queues/ports.ts';
import { buildRoutingIndex } from '../../../gateway/routing/index-build.ts';
import { opsDeadLettersSpec, opsRedeliverSpec, tenantDeadLettersSpec } from '../../../gateway/api/callbacks-api.ts';
import { setCaller } from '../../../gateway/caller.ts';
import { CALLBACK_GROUP } from '../../../gateway/callbacks/callback-keys.ts';
import { verifySignature } from '../../../gateway/callbacks/callback-signature.ts';
import { CallbackWorker, type CallbackTenant } from '../../../gateway/callbacks/callback-worker.ts';
import { errorHandler } from '../../../gateway/http-errors.ts';
import { createLogger } from '../../../gateway/logger.ts';
import { createMetrics, type GatewayMetrics } from '../../../gateway/metrics.ts';
import { callbacksRouter } from '../../../gateway/routes/callbacks.ts';
import { main as cliMain } from '../../../gateway/cli.ts';
import { callbackMetricsSource } from '../../../gateway/callbacks/callback-metrics-source.ts';
import { queueTestConfig } from '../../helpers/queue-config.ts';
import { testDecision, testReceipt } from '../../helpers/record-fixtures.ts';
import { useRedis } from '../../helpers/redis.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { Receiver } from './receiver.ts';

const silent = createLogger({ silent: true });
const SECRET = 'callback-test-secret-0123456789';
const ORG = ['1.2.246.10.60000000.10.0', '1.2.246.10.60000001.10.0'] as const;

/** The receiver's check exactly as docs/callbacks.md gives it, written out here, not imported. */
function documentedVerify(secret: string, rawBody: string, header: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function callbacks(over: Record<string, unknown> = {}) {
  return TenantCallbacksSchema.parse({ urls: ['http://127.0.0.1:1/unused'], secretEnv: 'UNUSED', timeoutMs: 2_000, maxAttempts: 5, backoff: { initialMs: 20, maxMs: 80 }, concurrency: 4, ...over });
}

describe('gateway/callbacks (real Redis, real HTTP receivers)', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let store: DocumentStore;
  let events: LifecycleEvents;
  let workers: CallbackWorker[];
  let receivers: Receiver[];
  let serial = 0;

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `c${randomUUID().slice(0, 8)}`;
    store = new DocumentStore(redis, prefix);
    events = new LifecycleEvents(redis, prefix);
    workers = [];
    receivers = [];
  });
  afterEach(async () => {
    for (const w of workers) await w.stop();
    for (const r of receivers) await r.stop();
  });

  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }

  async function worker(tenants: CallbackTenant[], opts: { metrics?: GatewayMetrics; claimIdleMs?: number; consumer?: string; start?: boolean } = {}): Promise<CallbackWorker> {
    const w = new CallbackWorker({
      redis,
      prefix,
      store,
      tenants: () => tenants,
      logger: silent,
      pollMs: 20,
      claimIdleMs: opts.claimIdleMs ?? 60_000,
      nonDeliveryScanMs: 3_600_000,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.consumer ? { consumer: opts.consumer } : {}),
    });
    workers.push(w);
    if (opts.start !== false) await w.start();
    return w;
  }

  async function accept(tenant = 't0', acceptedAt?: Date): Promise<DocumentRecord> {
    serial += 1;
    const org = ORG[tenant === 't1' ? 1 : 0];
    const documentId = `${org}.95.${Date.now()}${serial}`;
    const res = await store.create(
      {
        tenant, documentId, setId: documentId, versionNumber: 1, operation: 'archive', documentGroup: '5', controller: org, accessPoint: 'ap', signingIdentity: 'sig',
        usage: 'ownUse', writerOrganisation: org, ruleId: 'R-OWN-REGISTRY', decision: testDecision({ controller: org, writerOrganisation: org }), dependsOn: [],
      },
      Buffer.from(`<doc id="${documentId}">näyte</doc>`),
      acceptedAt,
    );
    if (!res.created) throw new Error('duplicate');
    return res.record;
  }

  async function archive(rec: DocumentRecord): Promise<void> {
    const ref = { tenant: rec.tenant, documentId: rec.documentId };
    await store.apply({ kind: 'sign-and-send', ref, signed: Buffer.from('<doc/><!--signed-->'), signature: testReceipt(), attempt: 1 });
    await store.apply({ kind: 'archive', ref, submissionId: rec.submissionId, ack: { action: 'archived', messageId: `m-${rec.documentId}`, typeCode: 'AA' }, retention: { payloadSeconds: 60, recordSeconds: 60 } });
  }

  /** Nothing left to deliver for the tenant: no due or in-flight delivery, no unread or unacknowledged event. */
  async function drained(w: CallbackWorker, tenant: string): Promise<boolean> {
    const [counts] = await w.deliveries.counts([tenant]);
    return counts!.due === 0 && (await events.groupBacklog(tenant, CALLBACK_GROUP)) === 0;
  }

  it('delivers each visible event once per receiver, signed as documented, with the event id as idempotency key', async () => {
    const [a, b] = [await receiver(), await receiver()];
    const metrics = createMetrics();
    metrics.seed({ tenants: ['t0'], accessPoints: [], controllers: [] });
    const w = await worker([{ id: 't0', callbacks: callbacks({ urls: [a.url, b.url] }), secret: SECRET }], { metrics });
    const docs = [await accept(), await accept(), await accept()];
    for (const d of docs) await archive(d);
    const parked = await accept();
    await store.apply({ kind: 'park-sign-failed', ref: { tenant: 't0', documentId: parked.documentId }, code: 'SIGN_SELF_CHECK_FAILED', text: 'self check' });

    await waitFor(async () => a.received.length + b.received.length, (n) => n >= 2 * 8);
    await waitFor(() => drained(w, 't0'), (ok) => ok);
    for (const r of [a, b]) {
      // accepted ×4, archived ×3, parked ×1; signing and sending are not callbacks.
      expect(r.received.map((x) => (JSON.parse(x.body) as { type: string }).type).sort()).to.deep.equal(['accepted', 'accepted', 'accepted', 'accepted', 'archived', 'archived', 'archived', 'parked']);
      expect(new Set(r.received.map((x) => x.eventId)).size, 'each event once').to.equal(8);
      for (const x of r.received) {
        const body = JSON.parse(x.body) as { id: string; tenant: string; document: Record<string, unknown>; ack?: Record<string, unknown> };
        expect(x.headers['content-type']).to.equal('application/json');
        expect(body.id).to.equal(x.eventId);
        expect(body.tenant).to.equal('t0');
        expect(x.attempt).to.equal(1);
        expect(documentedVerify(SECRET, x.body, String(x.headers['kanta-gateway-signature']), Math.floor(Date.now() / 1000)), 'documented HMAC check').to.equal(true);
        expect(verifySignature(SECRET, x.body, String(x.headers['kanta-gateway-signature']))).to.equal(true);
        expect(verifySignature('another-secret-0123456789', x.body, String(x.headers['kanta-gateway-signature']))).to.equal(false);
        expect(verifySignature(SECRET, `${x.body} `, String(x.headers['kanta-gateway-signature']))).to.equal(false);
        // Ids, status, codes and timestamps only: never content.
        expect(x.body).to.not.include('näyte');
      }
    }
    const archived = JSON.parse(a.of('archived')[0]!.body) as { document: { controller: string; status: string; statusUrl: string }; ack: { typeCode: string } };
    expect(archived.document).to.include({ controller: ORG[0], status: 'archived' });
    expect(archived.ack.typeCode).to.equal('AA');
    const parkedBody = JSON.parse(a.of('parked')[0]!.body) as { document: { code: string; status: string } };
    expect(parkedBody.document).to.include({ code: 'SIGN_SELF_CHECK_FAILED', status: 'parked' });
    const delivered = (await metrics.registry.getSingleMetric('kgw_callback_deliveries_total')!.get()).values.find((v) => v.labels.outcome === 'delivered');
    expect(delivered?.value).to.equal(16);
  });

  it('redelivers after the receiver fails: 500, 500, then 200 is three attempts of the same signed body', async () => {
    const r = await receiver();
    r.behaviour = (_req, n) => ({ status: n <= 2 ? 500 : 200 });
    const metrics = createMetrics();
    const w = await worker([{ id: 't0', callbacks: callbacks({ urls: [r.url], events: ['accepted'] }), secret: SECRET }], { metrics });
    await accept();
    await waitFor(async () => r.answered, (n) => n >= 3);
    await waitFor(() => drained(w, 't0'), (ok) => ok);
    expect(r.received.map((x) => x.attempt)).to.deep.equal([1, 2, 3]);
    expect(new Set(r.received.map((x) => x.eventId)).size).to.equal(1);
    expect(new Set(r.received.map((x) => x.body)).size, 'the same body every attempt').to.equal(1);
    for (const x of r.received) expect(documentedVerify(SECRET, x.body, String(x.headers['kanta-gateway-signature']), Math.floor(Date.now() / 1000))).to.equal(true);
    const values = (await metrics.registry.getSingleMetric('kgw_callback_deliveries_total')!.get()).values;
    expect(values.find((v) => v.labels.outcome === 'retry')?.value).to.equal(2);
    expect(values.find((v) => v.labels.outcome === 'delivered')?.value).to.equal(1);
    expect((await w.deliveries.deadLetters('t0', 10)).total).to.equal(0);
  });

  it('dead-letters a delivery the receiver never answers after maxAttempts; the view shows it, redelivery sends it again', async () => {
    const r = await receiver();
    r.behaviour = () => 'hang';
    const metrics = createMetrics();
    const w = await worker([{ id: 't0', callbacks: callbacks({ urls: [r.url], events: ['accepted'], timeoutMs: 150, maxAttempts: 2 }), secret: SECRET }], { metrics });
    metrics.attachCallbackSource(callbackMetricsSource(redis, prefix, () => ['t0']));
    const rec = await accept();
    await waitFor(() => w.deliveries.deadLetters('t0', 10), (p) => p.total === 1);
    expect(r.received).to.have.length(2);

    // The view, through the routes as mounted (ops: every tenant; a tenant: its own).
    const app = express();
    app.use((req: Request, res: Response, next: NextFunction) => {
      const who = req.header('x-test-caller');
      if (who === 'ops') setCaller(res, { kind: 'ops', id: 'ops-1', role: 'operator' });
      else if (who) setCaller(res, { kind: 'tenant', tenant: { id: who } as never });
      next();
    });
    app.use(callbacksRouter({ deliveries: w.deliveries, tenants: () => ['t0', 't1'], logger: silent }));
    app.use(errorHandler(silent));
    const http = app.listen(0, '127.0.0.1');
    await new Promise((res) => http.once('listening', res));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const ops = await fetch(`${base}/v1/ops/callbacks/dead-letters`, { headers: { 'x-test-caller': 'ops' } });
      expect(ops.status).to.equal(200);
      const opsBody = opsDeadLettersSpec.responses[200].content['application/json'].parse(await ops.json());
      const t0 = opsBody.tenants.find((t) => t.tenant === 't0')!;
      expect(t0.total).to.equal(1);
      expect(t0.items[0]).to.include({ documentId: rec.documentId, type: 'accepted', attempts: 2, receiver: r.url.split('?')[0] });
      expect(t0.items[0]!.lastError?.code).to.equal('CALLBACK_TIMEOUT');
      expect(JSON.stringify(opsBody), 'the query (a token) is not shown').to.not.include('token=abc');

      const own = await fetch(`${base}/v1/callbacks/dead-letters`, { headers: { 'x-test-caller': 't0' } });
      expect(tenantDeadLettersSpec.responses[200].content['application/json'].parse(await own.json()).total).to.equal(1);
      const other = await fetch(`${base}/v1/callbacks/dead-letters`, { headers: { 'x-test-caller': 't1' } });
      expect((await other.json()) as unknown).to.deep.equal({ total: 0, items: [] });
      const tenantOnOps = await fetch(`${base}/v1/ops/callbacks/dead-letters`, { headers: { 'x-test-caller': 't0' } });
      expect(tenantOnOps.status).to.equal(403);

      const gauge = (await metrics.registry.getSingleMetric('kgw_callback_dead_letters')!.get()).values;
      expect(gauge.find((v) => v.labels.tenant === 't0')?.value).to.equal(1);

      r.behaviour = () => ({ status: 204 });
      const redeliver = await fetch(`${base}/v1/ops/callbacks/dead-letters/redeliver`, { method: 'POST', headers: { 'x-test-caller': 'ops', 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 't0' }) });
      expect(redeliver.status).to.equal(200);
      expect(opsRedeliverSpec.responses[200].content['application/json'].parse(await redeliver.json())).to.deep.include({ tenant: 't0', count: 1, ids: [t0.items[0]!.id] });
      await waitFor(async () => r.answered, (n) => n >= 1);
      await waitFor(() => drained(w, 't0'), (ok) => ok);
      expect((await w.deliveries.deadLetters('t0', 10)).total).to.equal(0);
      expect(r.received.at(-1)!.attempt).to.equal(1);
      expect(new Set(r.received.map((x) => x.eventId)).size).to.equal(1);
    } finally {
      http.close();
    }
  });

  it('two gateway processes share one tenant\'s stream: each event still reaches the receiver once', async () => {
    const r = await receiver();
    const tenants = [{ id: 't0', callbacks: callbacks({ urls: [r.url], events: ['accepted'], concurrency: 2 }), secret: SECRET }];
    const [w1] = [await worker(tenants, { consumer: 'gw:1' }), await worker(tenants, { consumer: 'gw:2' })];
    const docs: DocumentRecord[] = [];
    for (let i = 0; i < 20; i++) docs.push(await accept());
    await waitFor(async () => r.received.length, (n) => n >= 20);
    await waitFor(() => drained(w1, 't0'), (ok) => ok);
    expect(r.received).to.have.length(20);
    expect(new Set(r.received.map((x) => x.eventId)).size).to.equal(20);
  });

  it('takes over the events a crashed consumer read and never acknowledged', async () => {
    const r = await receiver();
    const tenants = [{ id: 't0', callbacks: callbacks({ urls: [r.url], events: ['accepted'] }), secret: SECRET }];
    await events.ensureGroup('t0', CALLBACK_GROUP, '$');
    const docs = [await accept(), await accept()];
    // A process read both events and died before queueing them.
    const read = await events.readGroup('t0', CALLBACK_GROUP, 'crashed:1', 10);
    expect(read).to.have.length(2);
    const w = await worker(tenants, { claimIdleMs: 100, consumer: 'alive:2' });
    await waitFor(async () => r.received.length, (n) => n >= 2);
    await waitFor(() => drained(w, 't0'), (ok) => ok);
    expect(r.received.map((x) => (JSON.parse(x.body) as { document: { documentId: string } }).document.documentId).sort()).to.deep.equal(docs.map((d) => d.documentId).sort());
    expect(new Set(r.received.map((x) => x.eventId)).size).to.equal(2);
  });

  it('sends one non-delivery report for a document stuck past the limit, however often and from however many processes it is scanned', async () => {
    const r = await receiver();
    const tenants = [{ id: 't0', callbacks: callbacks({ urls: [r.url], events: ['non-delivery'], nonDeliveryAfterMinutes: 60 }), secret: SECRET }];
    const stuck = await accept('t0', new Date(Date.now() - 2 * 3600_000));
    const fresh = await accept('t0');
    const done = await accept('t0', new Date(Date.now() - 2 * 3600_000));
    await archive(done);
    const [w1, w2] = [await worker(tenants), await worker(tenants, { consumer: 'other:2' })];
    const lock = w1.deliveries.keys.nonDeliveryLock;
    expect(await w1.scanOnce()).to.equal(1);
    await redis.del(lock);
    expect(await Promise.all([w1.scanOnce(), w2.scanOnce()])).to.deep.equal([0, 0]);
    await redis.del(lock);
    expect(await w2.scanOnce()).to.equal(0);
    await waitFor(async () => r.received.length, (n) => n >= 1);
    await waitFor(() => drained(w1, 't0'), (ok) => ok);
    expect(r.received).to.have.length(1);
    const body = JSON.parse(r.received[0]!.body) as { id: string; type: string; document: { documentId: string; status: string }; nonDelivery: { limitMinutes: number; acceptedAt: string } };
    expect(body).to.include({ type: 'non-delivery', id: `non-delivery:${stuck.documentId}` });
    expect(body.document).to.include({ documentId: stuck.documentId, status: 'accepted' });
    expect(body.nonDelivery).to.deep.equal({ acceptedAt: stuck.acceptedAt, limitMinutes: 60 });
    expect(fresh.documentId).to.not.equal(stuck.documentId);
  });

  it('a slow receiver (one that holds every call until released) of one tenant slows neither archiving nor the other tenant\'s callbacks', async () => {
    const N = 12;
    const raw = queueTestConfig(ORG, { retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 60, retryBudgetHours: 1 }, batch: { size: 4, waitMs: 5 }, laneConcurrency: 4, laneHighWater: 16, dependencyPollMs: 20 });
    const signer: DocumentSigner = { sign: async (_id, xml) => ({ signedXml: `${xml}<!--signed-->`, receipt: testReceipt() }) };
    const sendOrder: string[] = [];
    const sender: DocumentSender = { send: async (_ap, doc): Promise<SendResult> => { sendOrder.push(/id="([^"]+)"/.exec(doc.signedCda.toString('utf8'))![1]!); return { action: 'archived', messageId: randomUUID(), transportFailure: false, durationMs: 1 }; } };

    /** Runs N documents per tenant through the real pipeline; how many were archived per tenant. */
    const run = async (withCallbacks: { slow: Receiver; quick: Receiver } | undefined) => {
      prefix = `c${randomUUID().slice(0, 8)}`;
      store = new DocumentStore(redis, prefix);
      events = new LifecycleEvents(redis, prefix);
      const loaded = validateConfig({ ...raw, redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
      let w: CallbackWorker | undefined;
      if (withCallbacks) {
        withCallbacks.slow.behaviour = () => 'hang';
        w = await worker([
          { id: 't0', callbacks: callbacks({ urls: [withCallbacks.slow.url], timeoutMs: 10_000, concurrency: 2 }), secret: SECRET },
          { id: 't1', callbacks: callbacks({ urls: [withCallbacks.quick.url] }), secret: SECRET },
        ]);
      }
      const pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix, store, signer, sender, config: () => loaded.config, lanes: () => buildRoutingIndex(loaded.config, 'test').lanes });
      try {
        const recs: DocumentRecord[] = [];
        for (let i = 0; i < N; i++) for (const t of ['t0', 't1']) recs.push(await accept(t));
        for (const rec of recs) await pipeline.enqueue(rec);
        const statuses = await waitFor(() => Promise.all(recs.map(async (x) => (await store.get(x.tenant, x.documentId))!.status)), (s) => s.every((x) => x === 'archived'));
        return { archived: statuses.filter((s) => s === 'archived').length, worker: w };
      } finally {
        await pipeline.close(2_000);
      }
    };

    const without = await run(undefined);
    const slow = await receiver();
    const quick = await receiver();
    const withSlow = await run({ slow, quick });
    expect(without.archived).to.equal(2 * N);
    expect(withSlow.archived, 'every document archived with the slow receiver, as without callbacks').to.equal(2 * N);
    // Everything was archived before the slow receiver had answered a single callback …
    expect(slow.answered).to.equal(0);
    // … which holds at most its tenant's concurrency at a time, while the other tenant gets all of its own.
    await waitFor(async () => quick.received.length, (n) => n >= 2 * N);
    expect(slow.answered, 'still none of the slow receiver\'s answers in').to.equal(0);
    expect(slow.maxHolding).to.be.at.most(2);
    expect(quick.of('accepted')).to.have.length(N);
    expect(quick.of('archived')).to.have.length(N);
    expect(sendOrder).to.have.length(4 * N);
    // Released, the slow receiver gets each of its tenant's events too, once.
    slow.release();
    await waitFor(async () => new Set(slow.received.map((x) => x.eventId)).size, (n) => n >= 2 * N);
    await waitFor(() => drained(withSlow.worker!, 't0'), (ok) => ok);
    expect(slow.answered).to.be.at.least(2 * N);
    expect(slow.of('accepted').filter((x, i, all) => all.findIndex((y) => y.eventId === x.eventId) === i)).to.have.length(N);
  });

  describe('configuration', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kgw-callbacks-'));
    const file = (tenantCallbacks: Record<string, unknown>) => {
      const raw = queueTestConfig(ORG, {}) as ConfigInput & { tenants: Array<Record<string, unknown>> };
      (raw.tenants[0] as Record<string, unknown>).callbacks = tenantCallbacks;
      const f = path.join(dir, `${randomUUID()}.json`);
      writeFileSync(f, JSON.stringify(raw));
      return f;
    };
    const issuesOf = (f: string, env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(f, env);
        return [];
      } catch (err) {
        if (!isConfigError(err)) throw err;
        return err.details.issues;
      }
    };

    it('refuses a missing or short key, names its path, and accepts a key from the environment or a file', () => {
      const f = file({ urls: ['https://hooks.example.fi/kanta'], secretEnv: 'T0_CALLBACK_KEY' });
      expect(issuesOf(f, {})).to.deep.equal([{ path: 'tenants.0.callbacks.secretEnv', reason: 'environment variable T0_CALLBACK_KEY is not set' }]);
      expect(issuesOf(f, { T0_CALLBACK_KEY: 'short' })[0]!.reason).to.match(/at least 16/);
      expect(issuesOf(f, { T0_CALLBACK_KEY: SECRET })).to.deep.equal([]);
      writeFileSync(path.join(dir, 'key'), `${SECRET}\n`);
      expect(issuesOf(file({ urls: ['https://hooks.example.fi/kanta'], secretFile: 'key' }), {})).to.deep.equal([]);
      expect(issuesOf(file({ urls: ['https://hooks.example.fi/kanta'], secretFile: 'missing-key' }), {})[0]!.path).to.equal('tenants.0.callbacks.secretFile');
      expect(issuesOf(file({ urls: ['https://hooks.example.fi/kanta'] }), {})[0]!.reason).to.match(/exactly one of secretEnv or secretFile/);
      expect(issuesOf(file({ urls: ['ftp://hooks.example.fi/'], secretEnv: 'X' }), { X: SECRET })[0]!.path).to.equal('tenants.0.callbacks.urls.0');
    });

    it('`config check` exits 1 naming the unset key variable', async () => {
      const f = file({ urls: ['https://hooks.example.fi/kanta'], secretEnv: 'KGW_TEST_UNSET_CALLBACK_KEY_9F3' });
      let stderr = '';
      const code = await cliMain(['config', 'check', f], { stdout: () => {}, stderr: (t) => (stderr += t) });
      expect(code).to.equal(1);
      expect(stderr).to.include('tenants.0.callbacks.secretEnv: environment variable KGW_TEST_UNSET_CALLBACK_KEY_9F3 is not set');
    });
  });
});
