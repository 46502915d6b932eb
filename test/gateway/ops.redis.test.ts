// The operator API on a full environment: real Redis, the signer pool, the Kanta archive double over
// mutual TLS, the gateway started as in production (startGateway).
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { startLocalRedis } from '../../queues/local-redis-server.ts';
import { jobIdOf } from '../../queues/topology.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { waitFor } from '../helpers/wait-for.ts';

const silent = createLogger({ silent: true });
const hetu = makeHetu(1, 2, 1990, 903);

function perheDoc(documentId = newDocumentId(DEMO.perhe.oid)): { documentId: string; xml: string } {
  return { documentId, xml: makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }) };
}
function regionDoc(documentId = newDocumentId(DEMO.region.oid)): { documentId: string; xml: string } {
  return { documentId, xml: makeSampleCda({ documentId, custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu, functionCode: '24' }) };
}


describe('ops API (full environment)', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let redis: Redis;

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-ops-'));
    env = await buildDemoEnvironment({ dir, pki: await sharedDemoPki() });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    redis = new Redis(env.redis.url, { maxRetriesPerRequest: null });
  });
  after(async () => {
    redis?.disconnect();
    await gw?.close();
    await env?.stop();
  });

  /** The document's intake queue and its job there (prefix kgw, as in the demo configuration). */
  const intakeOf = async (tenant: 'perhe' | 'region', documentId: string) => {
    const { run } = await status(tenant, documentId);
    return { queue: new Queue(`intake.${tenant}`, { connection: redis, prefix: 'kgw' }), jobId: jobIdOf({ tenant, documentId, run: Number(run) }) };
  };

  async function ops(method: 'GET' | 'POST', p: string, body?: unknown, token: string | null = env.tokens.ops): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.url}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const codeOf = (b: Record<string, unknown>) => (b.error as { code?: string } | undefined)?.code;
  const status = (tenant: 'perhe' | 'region', id: string) => statusOf(gw.url, env.tokens[tenant], id);
  const archived = (tenant: 'perhe' | 'region', id: string, ms?: number) => waitFor(() => status(tenant, id), (s) => s.status === 'archived', ms);

  describe('needs the ops role', () => {
    const endpoints: Array<[method: 'GET' | 'POST', path: string]> = [
      ['GET', '/v1/ops/queues'],
      ['POST', `/v1/ops/controllers/${DEMO.perhe.oid}/pause`],
      ['POST', `/v1/ops/controllers/${DEMO.perhe.oid}/resume`],
      ['POST', '/v1/ops/tenants/perhe/pause'],
      ['POST', '/v1/ops/rerun'],
      ['POST', '/v1/ops/config/reload'],
      ['GET', '/v1/ops/config'],
    ];
    for (const [method, p] of endpoints) {
      it(`${method} ${p}: tenant token → 403 AUTH_FORBIDDEN_ROLE, none → 401 AUTH_MISSING, unknown → 401 AUTH_INVALID`, async () => {
        const body = method === 'POST' ? {} : undefined;
        const asTenant = await ops(method, p, body, env.tokens.perhe);
        expect([asTenant.status, codeOf(asTenant.body)]).to.deep.equal([403, 'AUTH_FORBIDDEN_ROLE']);
        const none = await ops(method, p, body, null);
        expect([none.status, codeOf(none.body)]).to.deep.equal([401, 'AUTH_MISSING']);
        const unknown = await ops(method, p, body, 'not-a-token');
        expect([unknown.status, codeOf(unknown.body)]).to.deep.equal([401, 'AUTH_INVALID']);
        // A refused call changed nothing.
        expect(await gw.pipeline.controlState()).to.deep.equal({ pausedControllers: [], pausedTenants: [], parkedLanes: {} });
      });
    }
  });

  it('refuses malformed operator input with REQUEST_INVALID', async () => {
    const cases: Array<[string, unknown]> = [
      ['/v1/ops/controllers/not-an-oid/pause', {}],
      ['/v1/ops/tenants/Bad_Tenant/pause', {}],
      ['/v1/ops/rerun', { from: 'yesterday' }],
      ['/v1/ops/rerun', { code: 'X', surprise: true }],
      ['/v1/ops/rerun', { limit: 0 }],
      ['/v1/ops/rerun', '{"code": '],
    ];
    for (const [p, body] of cases) {
      const r = await ops('POST', p, body);
      expect([r.status, codeOf(r.body)], `${p} ${JSON.stringify(body)}`).to.deep.equal([400, 'REQUEST_INVALID']);
    }
    expect(await gw.pipeline.controlState()).to.deep.equal({ pausedControllers: [], pausedTenants: [], parkedLanes: {} });
  });

  it('GET /v1/ops/queues shows queues, control state, circuits, open documents and Redis bytes per open document', async () => {
    const r = await ops('GET', '/v1/ops/queues');
    expect(r.status).to.equal(200);
    expect(r.body).to.have.all.keys('queues', 'pausedControllers', 'pausedTenants', 'parkedLanes', 'circuits', 'openDocuments', 'redisMemoryPerOpenDocument');
    const queues = r.body.queues as Record<string, Record<string, number>>;
    for (const t of ['region', 'hoiva', 'perhe']) expect(queues).to.have.property(`intake.${t}`);
    expect(queues).to.have.property(`lane.${DEMO.accessPoint}.${DEMO.perhe.oid}`);
    expect(queues[`lane.${DEMO.accessPoint}.${DEMO.region.oid}`]).to.have.all.keys('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'direct');
    expect(r.body.circuits).to.deep.equal({ [DEMO.accessPoint]: 'closed' });
    expect(r.body.openDocuments).to.be.a('number');
    const mem = r.body.redisMemoryPerOpenDocument as null | { sampled: number; averageBytes: number; averageDocumentBytes: number };
    if (mem !== null) expect(mem.sampled).to.be.greaterThan(0);
  });

  it('reports Redis bytes for open documents while a controller is paused', async () => {
    await ops('POST', `/v1/ops/controllers/${DEMO.perhe.oid}/pause`, {});
    try {
      const d = perheDoc();
      expect((await submit(gw.url, env.tokens.perhe, d.xml)).status).to.equal(202);
      const r = await ops('GET', '/v1/ops/queues');
      expect(r.body.openDocuments).to.be.at.least(1);
      const mem = r.body.redisMemoryPerOpenDocument as { sampled: number; averageBytes: number; averageDocumentBytes: number };
      expect(mem.sampled).to.be.at.least(1);
      expect(mem.averageBytes).to.be.greaterThan(0);
      expect(mem.averageDocumentBytes).to.be.greaterThan(1000);
      expect(r.body.pausedControllers).to.deep.equal([DEMO.perhe.oid]);
    } finally {
      await ops('POST', `/v1/ops/controllers/${DEMO.perhe.oid}/resume`, {});
    }
  });

  it('pausing a controller holds its new documents while others flow; resuming sends them', async () => {
    const p = await ops('POST', `/v1/ops/controllers/${DEMO.perhe.oid}/pause`, {});
    expect(p).to.deep.equal({ status: 200, body: { controller: DEMO.perhe.oid, state: 'paused' } });
    const held = perheDoc();
    const flows = regionDoc();
    expect((await submit(gw.url, env.tokens.perhe, held.xml)).status).to.equal(202);
    expect((await submit(gw.url, env.tokens.region, flows.xml)).status).to.equal(202);
    expect((await archived('region', flows.documentId)).status).to.equal('archived');
    // Held means the intake worker has seen the document and stepped it aside (a delayed job), not
    // merely that it has not got to it yet.
    const intake = await intakeOf('perhe', held.documentId);
    expect(await waitFor(() => intake.queue.getJobState(intake.jobId), (st) => st === 'delayed')).to.equal('delayed');
    expect((await status('perhe', held.documentId)).status).to.equal('accepted');
    expect(env.double.archivedDocument(held.documentId)).to.equal(undefined);

    const r = await ops('POST', `/v1/ops/controllers/${DEMO.perhe.oid}/resume`, {});
    expect(r.body).to.deep.equal({ controller: DEMO.perhe.oid, state: 'running' });
    expect((await archived('perhe', held.documentId)).status).to.equal('archived');
    expect(env.double.archivedDocument(held.documentId)).to.be.instanceOf(Buffer);
    expect((await ops('GET', '/v1/ops/queues')).body.pausedControllers).to.deep.equal([]);
  });

  it('pausing a tenant holds its documents; resuming sends them', async () => {
    expect((await ops('POST', '/v1/ops/tenants/perhe/pause', {})).body).to.deep.equal({ tenant: 'perhe', state: 'paused' });
    const held = perheDoc();
    expect((await submit(gw.url, env.tokens.perhe, held.xml)).status).to.equal(202);
    // Held means its job waits in the tenant's paused intake queue, where no worker takes it.
    const intake = await intakeOf('perhe', held.documentId);
    expect(await intake.queue.isPaused()).to.equal(true);
    expect(await intake.queue.getJobState(intake.jobId)).to.be.oneOf(['waiting', 'paused']);
    expect((await status('perhe', held.documentId)).status).to.equal('accepted');
    expect((await ops('GET', '/v1/ops/queues')).body.pausedTenants).to.deep.equal(['perhe']);
    await ops('POST', '/v1/ops/tenants/perhe/resume', {});
    expect((await archived('perhe', held.documentId)).status).to.equal('archived');
  });

  it('reruns a parked document: run 1 is archived, and the history shows both runs', async () => {
    const d = perheDoc();
    env.double.setFaults({ forcedErrors: { [d.documentId]: 'FORCED_ERROR' } });
    try {
      expect((await submit(gw.url, env.tokens.perhe, d.xml)).status).to.equal(202);
      const parked = await waitFor(() => status('perhe', d.documentId), (s) => s.status === 'parked');
      expect(parked).to.include({ status: 'parked', run: 0 });
      expect(parked.code).to.be.a('string');
    } finally {
      env.double.setFaults({});
    }
    const code = String((await status('perhe', d.documentId)).code);
    // A background task (issue 15): 202 with the task, then its progress until done.
    const r = await ops('POST', '/v1/ops/rerun', { code, tenant: 'perhe' });
    expect(r.status).to.equal(202);
    const taskUrl = String(r.body.statusUrl);
    const task = await waitFor(async () => (await ops('GET', taskUrl)).body, (t) => t.state !== 'running');
    expect(task).to.include({ state: 'done', by: 'ops-1', selected: 1, rerun: 1, skipped: 0 });
    const done = await archived('perhe', d.documentId);
    expect(done).to.include({ status: 'archived', run: 1, attempts: 2 });
    const history = done.history as Array<{ status: string; by?: string; run?: number; code?: string }>;
    expect(history.map((h) => h.status)).to.deep.equal(['accepted', 'signed', 'sending', 'parked', 'rerun', 'sending', 'archived']);
    expect(history.find((h) => h.status === 'rerun')).to.include({ by: 'ops-1', run: 1, code });
    expect(env.double.archivedDocument(d.documentId)).to.be.instanceOf(Buffer);
    // Nothing left to rerun.
    const again = await ops('POST', '/v1/ops/rerun', { code, tenant: 'perhe' });
    expect(await waitFor(async () => (await ops('GET', String(again.body.statusUrl))).body, (t) => t.state !== 'running')).to.include({ state: 'done', selected: 0, rerun: 0 });
  });

  describe('config reload', () => {
    let original: string;
    before(() => {
      original = readFileSync(env.configFile, 'utf8');
    });
    after(() => writeFileSync(env.configFile, original));

    it('unchanged file → ok, changed false', async () => {
      const before = (await ops('GET', '/v1/ops/config')).body;
      const r = await ops('POST', '/v1/ops/config/reload', {});
      expect(r).to.deep.equal({ status: 200, body: { ok: true, version: before.version, changed: false } });
    });

    it('a broken file → 422; the old version stays in force and documents still flow; fixed → ok', async () => {
      const v1 = String((await ops('GET', '/v1/ops/config')).body.version);
      writeFileSync(env.configFile, original.replace(/accessPoint: ap-demo/, 'accessPoint: ap-nowhere'));
      const bad = await ops('POST', '/v1/ops/config/reload', {});
      expect(bad.status).to.equal(422);
      expect(bad.body).to.include({ ok: false, keptVersion: v1 });
      expect(String(bad.body.error)).to.contain('unknown access point ap-nowhere');
      const info = (await ops('GET', '/v1/ops/config')).body;
      expect(info.version).to.equal(v1);
      expect(String(info.lastReloadError)).to.contain('ap-nowhere');
      expect(gw.config().version).to.equal(v1);

      writeFileSync(env.configFile, 'tenants: [');
      expect((await ops('POST', '/v1/ops/config/reload', {})).status).to.equal(422);

      const d = perheDoc();
      expect((await submit(gw.url, env.tokens.perhe, d.xml)).status).to.equal(202);
      expect((await archived('perhe', d.documentId)).status).to.equal('archived');

      // Fixed with a real change: applied, new version, no error left.
      const cfg = parse(original) as { queues: { retry: { baseDelayMs: number } } };
      cfg.queues.retry.baseDelayMs = 300;
      writeFileSync(env.configFile, stringify(cfg));
      const good = await ops('POST', '/v1/ops/config/reload', {});
      expect(good.status).to.equal(200);
      expect(good.body).to.include({ ok: true, changed: true });
      expect(good.body.version).to.not.equal(v1);
      expect(gw.config().config.queues.retry.baseDelayMs).to.equal(300);
      const after = (await ops('GET', '/v1/ops/config')).body;
      expect(after.version).to.equal(good.body.version);
      expect(after).to.not.have.property('lastReloadError');

      const d2 = perheDoc();
      expect((await submit(gw.url, env.tokens.perhe, d2.xml)).status).to.equal(202);
      expect((await archived('perhe', d2.documentId)).status).to.equal('archived');
    });
  });

  it('startGateway refuses an evicting Redis with QUEUE_REDIS_EVICTING', async () => {
    const evicting = await startLocalRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      let caught: unknown;
      try {
        const other = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret', KGW_REDIS_URL: evicting.url } });
        await other.close();
      } catch (err) {
        caught = err;
      }
      expect(errorCodeOf(caught)).to.equal('QUEUE_REDIS_EVICTING');
    } finally {
      await evicting.stop();
    }
  });
});
