// Issue 15 item 8: no hetu in any URL or log line. A full run (intake for several synthetic clients,
// registry rights set and read, usage-log exports with and without a client filter, a reload, the
// refused old GET forms that still carry a hetu in the URL) against the real gateway with its access
// log on; every line the gateway logged is captured and searched for each hetu in every spelling.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { exportAudit, searchRegistryRights, statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { verifyChain } from '../../gateway/audit/verify-chain.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { waitFor } from '../helpers/wait-for.ts';

const HETUS = [makeHetu(1, 2, 1990, 903), makeHetu(15, 6, 2012, 944), makeHetu(30, 11, 1955, 987), makeHetu(7, 7, 2001, 912)];

/** Every way a hetu could be written down: as is, lower case, without its century sign, URL-encoded. */
function spellings(hetu: string): string[] {
  const noSign = `${hetu.slice(0, 6)}${hetu.slice(7)}`;
  return [hetu, hetu.toLowerCase(), noSign, noSign.toLowerCase(), encodeURIComponent(hetu), `${hetu.slice(0, 6)}%2D${hetu.slice(7)}`, hetu.slice(0, 6) + hetu.slice(7, 10)];
}

describe('privacy: no hetu in the access log or any other log line of a full run', function () {
  this.timeout(90_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  const lines: string[] = [];

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-privacy-'));
    env = await buildDemoEnvironment({
      dir,
      pki: await sharedDemoPki(),
      override: (c) => {
        // Seal everything at once, so exports read segments as well as Redis.
        (c as Record<string, unknown>).audit = { segments: { dir: path.join(dir, 'usage-log'), sealAfterMinutes: 0, maxEntries: 4, sealEverySeconds: 1 } };
      },
    });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ level: 'debug', stream: sink }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  it('logs each request by route pattern and caller, and never a hetu in any spelling', async () => {
    // Intake for several clients, and each document's status read.
    const documents: string[] = [];
    for (const hetu of HETUS) {
      const documentId = newDocumentId(DEMO.perhe.oid);
      const r = await submit(gw.url, env.tokens.perhe, makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }));
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      documents.push(documentId);
    }
    for (const id of documents) expect((await waitFor(() => statusOf(gw.url, env.tokens.perhe, id), (s) => s.status === 'archived')).status).to.equal('archived');

    // Registry rights set by the organizer and read back through the body-only search.
    for (const hetu of HETUS.slice(0, 2)) {
      const put = await fetch(`${gw.url}/v1/registry-rights`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${env.tokens.region}`, 'content-type': 'application/json' },
        body: JSON.stringify({ organizer: DEMO.region.oid, client: { extension: hetu }, entries: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-01-01' }] } }),
      });
      expect(put.status).to.equal(200);
      const read = await searchRegistryRights(gw.url, env.tokens.region, { client: { extension: hetu }, history: true });
      expect(read.status).to.equal(200);
      expect(JSON.stringify(read.body)).to.not.contain(hetu);
    }
    // The old forms with the hetu in the URL are refused, and their URL is not logged either.
    const oldRights = await fetch(`${gw.url}/v1/registry-rights?client=${HETUS[0]}`, { headers: { authorization: `Bearer ${env.tokens.region}` } });
    expect(oldRights.status).to.equal(400);
    expect(((await oldRights.json()) as { error: { code: string } }).error.code).to.equal('REQUEST_CLIENT_IN_URL');
    const oldAudit = await fetch(`${gw.url}/v1/audit/${DEMO.perhe.oid}?client=${encodeURIComponent(HETUS[1]!)}`, { headers: { authorization: `Bearer ${env.tokens.ops}` } });
    expect(oldAudit.status).to.equal(400);

    // A reload by an operator goes into the usage log with both versions.
    const before = gw.config().version;
    const reload = await fetch(`${gw.url}/v1/ops/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.ops}`, 'content-type': 'application/json' }, body: '{}' });
    expect(reload.status).to.equal(200);

    // Let the sealer move entries to disk, then export: whole chain, and filtered by client.
    await waitFor(async () => lines.some((l) => l.includes('usage log sealed')), (x) => x, 20_000);
    const whole = await exportAudit(gw.url, env.tokens.ops, DEMO.perhe.oid);
    expect(whole.status).to.equal(200);
    const [seq, digest] = whole.head!.split(' ');
    expect(verifyChain(whole.text, { expectedHead: { seq: Number(seq), digest: digest! } })).to.include({ valid: true });
    const records = whole.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; actor: { id: string }; details?: Record<string, unknown> });
    const reloadEntry = records.find((r) => r.details?.operation === 'config-reload');
    expect(reloadEntry).to.deep.include({ action: 'ops', actor: { kind: 'ops', id: reloadEntry?.actor.id } });
    expect(reloadEntry!.details).to.deep.include({ fromVersion: before, toVersion: gw.config().version, outcome: 'unchanged' });
    const mine = await exportAudit(gw.url, env.tokens.perhe, DEMO.perhe.oid, { client: { extension: HETUS[2]! } });
    expect(mine.status).to.equal(200);
    expect(mine.text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { action: string }).action)).to.include.members(['intake-accepted', 'archived', 'audit-exported']);

    // The access log is on and names routes by pattern.
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'http request');
    expect(access.map((l) => `${l.method} ${l.route} ${l.status}`)).to.include.members([
      'POST /v1/documents 202',
      'POST /v1/registry-rights/search 200',
      'GET /v1/registry-rights 400',
      'GET /v1/audit/:organisation 400',
      'POST /v1/audit/:organisation/search 200',
      'POST /v1/ops/config/reload 200',
    ]);
    expect(access.find((l) => l.route === '/v1/documents')).to.include({ caller: 'perhe', callerKind: 'tenant' });

    const all = lines.join('\n');
    expect(lines.length).to.be.greaterThan(20);
    for (const hetu of HETUS) for (const s of spellings(hetu)) expect(all, `a log line holds ${s}`).to.not.contain(s);
    expect(all).to.not.match(/[?&]client=/);
  });
});
