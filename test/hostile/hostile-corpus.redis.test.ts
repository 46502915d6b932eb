// Posts the whole hostile corpus (test/hostile/corpus.ts) to a real gateway — redis-server, the signer
// pool, the Kanta double over mutual TLS — and holds it to four promises per case: the expected status
// and code, nothing queued, the process still answering, and no hetu in the logs or the metrics.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { submit } from '../../gateway/client/gateway-client.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { CORPUS_HETU, REAL_PERSON_HETU, hostileCorpus, perheDoc, type CorpusContext } from './corpus.ts';

describe('hostile corpus against a running gateway (issue 16)', function () {
  this.timeout(120_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let redis: Redis;
  let ctx: CorpusContext;
  const logLines: string[] = [];
  const cases = hostileCorpus();

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-hostile-'));
    env = await buildDemoEnvironment({
      dir,
      override: (c) => {
        // Short deadlines so the slow-client cases finish quickly; the defaults are in docs/operations.md.
        c.gateway = { ...c.gateway, headersTimeoutMs: 1_000, requestTimeoutMs: 4_000, bodyReadTimeoutMs: 1_500 };
      },
    });
    const stream = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ stream, level: 'debug' }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    redis = new Redis(env.redis.url);
    // What some cases need to exist first: an accepted perhe document, and region's asiakkuusasiakirja
    // granting hoiva a registry-use right for September 2026.
    const documentId = newDocumentId(DEMO.perhe.oid);
    const xml = perheDoc({ documentId });
    expect((await submit(gw.url, env.tokens.perhe, xml)).status).to.equal(202);
    const rightClient = makeHetu(3, 4, 2014, 909);
    const grant = makeSampleCda({ documentId: newDocumentId(DEMO.region.oid), custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu: rightClient, functionCode: DEMO.serviceTask, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01', end: '2026-09-30' }] } });
    expect((await submit(gw.url, env.tokens.region, grant)).status).to.equal(202);
    ctx = { url: gw.url, port: gw.port, tokens: env.tokens, pki: env.pki, accepted: { documentId, xml }, rightClient };
  });
  after(async () => {
    await redis?.quit();
    await gw?.close();
    await env?.stop();
  });

  const documentKeys = async () => (await redis.keys('kgw:doc:*')).length;

  it(`has at least 80 cases, each with a distinct name`, () => {
    expect(cases.length).to.be.at.least(80);
    expect(new Set(cases.map((c) => c.name)).size).to.equal(cases.length);
  });

  it('answers every case with its status and code, queues nothing and stays up', async () => {
    const before = await documentKeys();
    const misses: string[] = [];
    for (const c of cases) {
      const r = await c.send(ctx);
      const code = (r.body.error as { code?: string } | undefined)?.code;
      if (r.status !== c.status || code !== c.code) misses.push(`${c.name}: got ${r.status} ${code ?? '(no code)'}, expected ${c.status} ${c.code}`);
      const health = await fetch(`${gw.url}/healthz`);
      expect(health.status, `process answers after "${c.name}"`).to.equal(200);
    }
    expect(misses, misses.join('\n')).to.deep.equal([]);
    expect(await documentKeys(), 'no refused case stored a document').to.equal(before);
  });

  it('never lets a hetu reach the logs or the metrics', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const logs = logLines.join('');
    expect(logs.length).to.be.greaterThan(0);
    for (const hetu of [CORPUS_HETU, REAL_PERSON_HETU, ctx.rightClient]) {
      expect(logs, 'logs').to.not.contain(hetu);
      expect(metrics, 'metrics').to.not.contain(hetu);
    }
    expect(logs).to.not.match(/\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b/);
    expect(logs, 'no client mistake was logged as INTERNAL').to.not.contain('"code":"INTERNAL"');
  });
});
