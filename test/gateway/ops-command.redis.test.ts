// The ops CLI and the ops API additions of issue 15 against a full environment (real Redis, the
// Kanta double over mutual TLS, startGateway): the readable `ops queues` table, coded 404s for an
// unknown pause target, `ops rerun` previewing and asking (or --yes) before a background task, the
// viewer role refused actions, the document view without content or client, certificates, the
// configuration dry run, and a rerun task taken over after its runner died.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { sha256Hex } from '../../gateway/auth.ts';
import { opsCommand } from '../../gateway/cli/ops-command.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { RerunTasks } from '../../gateway/ops/rerun-tasks.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { waitFor } from '../helpers/wait-for.ts';

const silent = createLogger({ silent: true });
const hetu = makeHetu(1, 2, 1990, 905);

describe('ops CLI and the ops API of the console (full environment)', function () {
  this.timeout(90_000);
  const viewerToken = randomBytes(24).toString('hex');
  let env: DemoEnvironment;
  let gw: RunningGateway;

  before(async () => {
    env = await buildDemoEnvironment({
      dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-ops-cli-')),
      pki: await sharedDemoPki(),
      override: (cfg) => void (cfg.gateway!.operators = [{ name: 'ville.viewer', role: 'viewer', tokenSha256: sha256Hex(viewerToken) }]),
    });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  async function ops(args: string[], opts: { token?: string; confirm?: boolean } = {}) {
    let stdout = '';
    let stderr = '';
    let asked: string | undefined;
    const code = await opsCommand([...args, '--url', gw.url, '--token', opts.token ?? env.tokens.ops], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) }, {
      confirm: async (q) => {
        asked = q;
        return opts.confirm ?? false;
      },
      pollMs: 50,
    });
    return { code, stdout, stderr, asked };
  }
  const api = async (method: 'GET' | 'POST', p: string, body?: string, contentType = 'application/json', token = env.tokens.ops) => {
    const r = await fetch(`${gw.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, ...(body !== undefined ? { body } : {}) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  async function parkOne(): Promise<{ documentId: string; submissionId: string; code: string }> {
    const documentId = newDocumentId(DEMO.perhe.oid);
    env.double.setFaults({ forcedErrors: { [documentId]: 'FORCED_ERROR' } });
    try {
      const r = await submit(gw.url, env.tokens.perhe, makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }));
      expect(r.status).to.equal(202);
      const s = await waitFor(() => statusOf(gw.url, env.tokens.perhe, documentId), (x) => x.status === 'parked');
      return { documentId, submissionId: String((r.body as { submissionId: string }).submissionId), code: String(s.code) };
    } finally {
      env.double.setFaults({});
    }
  }

  it('ops queues: a table with controller names, oldest age, parked by code; --json for scripts', async () => {
    const r = await ops(['queues']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^SEND LANES\naccess point\s+controller\s+name\s+depth\s+oldest\s+in flight\s+circuit\s+state\s+parked by code/);
    expect(r.stdout).to.contain(DEMO.perhe.name).and.contain(DEMO.region.oid).and.contain('TENANT INTAKE');
    expect(r.stdout).to.not.contain('"'); // not JSON
    const j = await ops(['queues', '--json']);
    expect(JSON.parse(j.stdout)).to.have.property('queues');
  });

  it('pause or resume of an unknown controller or tenant is a coded 404; nothing is paused', async () => {
    const unknownOid = '1.2.246.10.12121212.10.0';
    const c = await ops(['pause-controller', unknownOid]);
    expect(c.code).to.equal(1);
    expect(c.stdout).to.contain('OPS_UNKNOWN_CONTROLLER');
    expect(c.stderr).to.contain('HTTP 404 OPS_UNKNOWN_CONTROLLER');
    const t = await api('POST', '/v1/ops/tenants/nobody/pause');
    expect([t.status, (t.body.error as { code: string }).code]).to.deep.equal([404, 'OPS_UNKNOWN_TENANT']);
    expect(await gw.pipeline.controlState()).to.deep.equal({ pausedControllers: [], pausedTenants: [], parkedLanes: {} });
  });

  it('the viewer role reads but is refused actions (API and CLI)', async () => {
    expect((await ops(['queues'], { token: viewerToken })).code).to.equal(0);
    const r = await ops(['pause-controller', DEMO.perhe.oid], { token: viewerToken });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain('AUTH_FORBIDDEN_ROLE');
    for (const p of ['/v1/ops/rerun', '/v1/ops/config/reload', `/v1/ops/controllers/${DEMO.perhe.oid}/resume`, '/v1/ops/tenants/perhe/pause']) {
      const a = await api('POST', p, '{}', 'application/json', viewerToken);
      expect([a.status, (a.body.error as { code: string }).code], p).to.deep.equal([403, 'AUTH_FORBIDDEN_ROLE']);
    }
    expect((await api('POST', '/v1/ops/rerun/preview', '{}', 'application/json', viewerToken)).status).to.equal(200);
    expect(await gw.pipeline.controlState()).to.deep.equal({ pausedControllers: [], pausedTenants: [], parkedLanes: {} });
  });

  it('ops rerun shows the preview and asks; no → nothing rerun; --yes → a task followed to the end', async () => {
    const d = await parkOne();
    const no = await ops(['rerun', '--code', d.code, '--tenant', 'perhe']);
    expect(no.code).to.equal(1);
    expect(no.asked).to.equal('Rerun these 1 documents?');
    expect(no.stderr).to.match(new RegExp(`code\\s+documents\\n${d.code}\\s+1`));
    expect(no.stderr).to.contain('Not rerun.');
    expect((await statusOf(gw.url, env.tokens.perhe, d.documentId)).status).to.equal('parked');

    const yes = await ops(['rerun', '--code', d.code, '--tenant', 'perhe', '--yes']);
    expect(yes.code, yes.stderr).to.equal(0);
    expect(yes.asked).to.equal(undefined);
    expect(yes.stdout).to.match(/done: 1 rerun, 0 no longer parked, of 1 selected/);
    expect((await waitFor(() => statusOf(gw.url, env.tokens.perhe, d.documentId), (s) => s.status === 'archived')).status).to.equal('archived');
    const nothing = await ops(['rerun', '--code', d.code, '--tenant', 'perhe', '--yes']);
    expect([nothing.code, nothing.stdout]).to.deep.equal([0, 'Nothing to rerun.\n']);
  });

  it('the document view (id or submission id) shows processing data, never content or client; the read is logged under the operator', async () => {
    const d = await parkOne();
    const byId = await api('GET', `/v1/ops/documents/${d.documentId}`);
    const bySub = await api('GET', `/v1/ops/documents/${d.submissionId}`);
    expect(byId.status).to.equal(200);
    expect(bySub.body).to.deep.equal(byId.body);
    expect(byId.body).to.include({ status: 'parked', tenant: 'perhe', code: d.code });
    expect(byId.body).to.not.have.any.keys('header', 'client', 'payload');
    const text = JSON.stringify(byId.body);
    expect(text).to.not.contain(hetu);
    expect(text).to.not.contain('<ClinicalDocument');
    expect((await api('GET', '/v1/ops/documents/1.2.3.4.5')).status).to.equal(404);
    const log = await fetch(`${gw.url}/v1/audit/${DEMO.perhe.oid}`, { headers: { authorization: `Bearer ${env.tokens.ops}` } });
    const entries = (await log.text()).trim().split('\n').map((l) => JSON.parse(l) as { action: string; documentId?: string; actor: { kind: string; id: string } });
    expect(entries.filter((e) => e.action === 'status-read' && e.documentId === d.documentId).map((e) => e.actor)).to.deep.include({ kind: 'ops', id: 'ops-1' });
    // Listed among the parked, and pages.
    const page = await api('GET', `/v1/ops/parked?tenant=perhe&limit=1`);
    expect((page.body.documents as unknown[]).length).to.equal(1);
    // Tidy: rerun it so later tests see no parked documents of this run.
    await ops(['rerun', '--code', d.code, '--tenant', 'perhe', '--yes']);
  });

  it('certificates with days left; the configuration dry run of a YAML body', async () => {
    const certs = (await api('GET', '/v1/ops/certificates')).body.certificates as Array<{ identityId: string; daysLeft: number }>;
    expect(certs.map((c) => c.identityId)).to.include.members(['sign-region', 'sign-perhe']);
    for (const c of certs) expect(c.daysLeft).to.be.greaterThan(300);
    const same = await api('POST', '/v1/ops/config/dry-run', readFileSync(env.configFile, 'utf8'), 'application/yaml');
    expect(same.body).to.include({ ok: true, changed: false, version: gw.config().version });
    const broken = await api('POST', '/v1/ops/config/dry-run', readFileSync(env.configFile, 'utf8').replace(/accessPoint: ap-demo/, 'accessPoint: ap-nowhere'), 'application/yaml');
    expect(broken.body.ok).to.equal(false);
    expect(JSON.stringify(broken.body.issues)).to.contain('unknown access point ap-nowhere');
    expect(gw.config().version).to.equal(same.body.version); // nothing applied
    const empty = await api('POST', '/v1/ops/config/dry-run', '', 'application/yaml');
    expect([empty.status, (empty.body.error as { code: string }).code]).to.deep.equal([400, 'REQUEST_INVALID']);
    const task = await api('GET', '/v1/ops/tasks/3b241101-e2bb-4255-8caf-4136c566a962');
    expect([task.status, (task.body.error as { code: string }).code]).to.deep.equal([404, 'OPS_TASK_NOT_FOUND']);
  });

  it('a rerun task whose runner died is taken over by another process and finishes; nothing is rerun twice', async () => {
    const d = await parkOne();
    const redis = new Redis(env.redis.url, { maxRetriesPerRequest: null });
    try {
      // Runner A selects and then hangs forever before rerunning anything; its lease is not renewed.
      const dead = new RerunTasks({ redis, prefix: 'kgw', store: gw.store, logger: silent, leaseMs: 300, pipeline: { selectParked: (f, l) => gw.pipeline.selectParked(f, l), rerunRecords: () => new Promise(() => {}) } });
      const task = await dead.start({ filter: { code: d.code, tenant: 'perhe' }, limit: 10 }, 'anna.operator');
      await waitFor(async () => (await dead.get(task.id))!.selected, (n) => n === 1);
      const taker = new RerunTasks({ redis, prefix: 'kgw', store: gw.store, logger: silent, pipeline: gw.pipeline });
      const taken = await waitFor(() => taker.resumeAbandoned(), (ids) => ids.includes(task.id), 5_000);
      expect(taken).to.include(task.id);
      await taker.idle();
      const seen = (await api('GET', `/v1/ops/tasks/${task.id}`)).body; // any process reports it
      expect(seen).to.include({ state: 'done', rerun: 1, by: 'anna.operator' });
      const done = await waitFor(() => statusOf(gw.url, env.tokens.perhe, d.documentId), (s) => s.status === 'archived');
      expect((done.history as Array<{ status: string }>).filter((h) => h.status === 'rerun')).to.have.length(1);
    } finally {
      redis.disconnect();
    }
  });
});
