// The walking skeleton end to end, with real parts only: redis-server, the signer pool, the Kanta
// archive double over mutual TLS, and xmlsec1 as an independent verifier of what the gateway signed.
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { Redis } from 'ioredis';
import { signSystem } from '../../certs/system-signer.ts';
import { verifyChain } from '../../gateway/audit/verify-chain.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { runSamples } from '../../gateway/demo/run-samples.ts';
import { sampleSubmissions } from '../../gateway/demo/sample-submissions.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { xmlsecVerifies } from '../certs/helpers.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { waitFor } from '../helpers/wait-for.ts';

const silent = createLogger({ silent: true });


function providerDoc(over: Partial<Parameters<typeof makeSampleCda>[0]> = {}) {
  return makeSampleCda({ documentId: newDocumentId(DEMO.perhe.oid), custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(1, 2, 1990, 903), functionCode: '21', ...over });
}

describe('end to end: tenant → gateway → Redis → signature → Kanta double', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-e2e-'));
    env = await buildDemoEnvironment({
      dir,
      pki: await sharedDemoPki(),
      override: (c) => {
        c.gateway = { ...c.gateway, bodyLimitBytes: 64 * 1024 };
        // 'always': this suite's signed-document test checks that the gateway's own signature joins the tenant's.
        c.signer = { ...c.signer, incomingSigner: 'tenant', addSystemSignature: 'always' };
      },
    });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  it('archives every sample in the double, refuses the early one with its code, and keeps versions in order', async () => {
    const results = await runSamples(gw, env, sampleSubmissions(), 30_000);
    const byLabel = Object.fromEntries(results.map((r) => [r.label, r]));
    for (const r of results.filter((x) => x.httpStatus === 202)) expect(r.status, r.label).to.equal('archived');
    expect(byLabel['hoiva: note dated before the right starts (refused)']).to.include({ httpStatus: 403, code: 'RIGHT_DATE_OUTSIDE', status: 'refused' });
    expect(byLabel["hoiva: service note into the region's registry (registry-use right)"]).to.include({ controller: DEMO.region.oid, status: 'archived' });
    const inspect = env.double.inspect();
    expect(inspect.archived.length).to.equal(5);
    expect(inspect.duplicates).to.equal(0);
    const v1 = inspect.archived.find((a) => a.versionNumber === 1 && a.setId === inspect.archived.find((b) => b.versionNumber === 2)!.setId)!;
    const v2 = inspect.archived.find((a) => a.versionNumber === 2)!;
    expect(Date.parse(v1.archivedAt)).to.be.at.most(Date.parse(v2.archivedAt));
  });

  it('produces a signed CDA that xmlsec1 verifies independently, chained to the test CA', async () => {
    const docId = newDocumentId(DEMO.perhe.oid);
    const r = await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: docId }));
    expect(r.status).to.equal(202);
    expect(r.body).to.include({ documentId: docId, controller: DEMO.perhe.oid, status: 'accepted', version: 1 });
    expect(r.body.statusUrl).to.equal(`/v1/documents/${docId}`);
    const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, docId), (s) => s.status === 'archived');
    expect(st.status).to.equal('archived');
    expect((st.history as Array<{ status: string }>).map((h) => h.status)).to.include.members(['accepted', 'signed', 'sending', 'archived']);
    expect(st.signature).to.be.an('object');
    const signed = env.double.archivedDocument(docId);
    expect(signed, 'double kept the signed bytes').to.be.instanceOf(Buffer);
    expect(xmlsecVerifies(signed!.toString('utf8'), { trustedPem: env.pki.ca.certFile })).to.equal(true);
    // One byte of the body changed: xmlsec1 refuses it too (the check can fail).
    const tampered = signed!.toString('utf8').replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
    expect(xmlsecVerifies(tampered, { trustedPem: env.pki.ca.certFile })).to.equal(false);
  });

  it('answers a resubmission with the existing receipt and refuses the same id with other content', async () => {
    const docId = newDocumentId(DEMO.perhe.oid);
    const xml = providerDoc({ documentId: docId });
    const first = await submit(gw.url, env.tokens.perhe, xml);
    const again = await submit(gw.url, env.tokens.perhe, xml);
    expect(again.status).to.equal(200);
    expect(again.body.submissionId).to.equal(first.body.submissionId);
    const other = await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: docId, note: 'toinen sisältö' }));
    expect(other.status).to.equal(409);
    expect((other.body.error as { code: string }).code).to.equal('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
  });

  it('shows a document only to the tenant that sent it (404 for others)', async () => {
    const docId = newDocumentId(DEMO.perhe.oid);
    const r = await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: docId }));
    expect(r.status).to.equal(202);
    const mine = await statusOf(gw.url, env.tokens.perhe, String(r.body.submissionId));
    expect(mine.documentId).to.equal(docId);
    const theirs = await fetch(`${gw.url}/v1/documents/${docId}`, { headers: { authorization: `Bearer ${env.tokens.hoiva}` } });
    expect(theirs.status).to.equal(404);
    expect(((await theirs.json()) as { error: { code: string } }).error.code).to.equal('NOT_FOUND');
  });

  describe('refusals: coded, and nothing stored or queued', () => {
    let redis: Redis;
    before(() => {
      redis = new Redis(env.redis.url);
    });
    after(() => redis.quit());

    const keyCount = async () => (await redis.keys('kgw:doc:*')).length;

    const cases: Array<{ name: string; status: number; code: string; send: () => Promise<Response> }> = [
      { name: 'no credentials', status: 401, code: 'AUTH_MISSING', send: () => fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: providerDoc() }) },
      { name: 'unknown token', status: 401, code: 'AUTH_INVALID', send: () => fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/xml' }, body: providerDoc() }) },
      { name: 'custodian the tenant may not write', status: 403, code: 'ROUTE_CUSTODIAN_NOT_PERMITTED', send: () => rawPost(env.tokens.perhe, providerDoc({ custodian: DEMO.hoiva.oid })) },
      { name: 'malformed XML', status: 400, code: 'INTAKE_MALFORMED_XML', send: () => rawPost(env.tokens.perhe, '<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2"') },
      { name: 'DOCTYPE with an entity', status: 400, code: 'INTAKE_DTD_FORBIDDEN', send: () => rawPost(env.tokens.perhe, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>${providerDoc().replace(/^<\?xml[^>]*>/, '')}`) },
      { name: 'body over the limit', status: 413, code: 'INTAKE_BODY_TOO_LARGE', send: () => rawPost(env.tokens.perhe, providerDoc({ note: 'x'.repeat(80 * 1024) })) },
      { name: 'not XML', status: 415, code: 'INTAKE_UNSUPPORTED_MEDIA_TYPE', send: () => fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.perhe}`, 'content-type': 'text/plain' }, body: '{}' }) },
      { name: 'not a CDA', status: 400, code: 'INTAKE_NOT_CDA', send: () => rawPost(env.tokens.perhe, '<foo/>') },
      { name: 'bad hetu checksum', status: 400, code: 'INTAKE_INVALID_HETU', send: () => rawPost(env.tokens.perhe, providerDoc({ hetu: '010190-9030' })) },
    ];

    function rawPost(token: string, body: string) {
      return fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body });
    }

    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const before = await keyCount();
        const res = await c.send();
        expect(res.status).to.equal(c.status);
        const body = (await res.json()) as { error: { code: string; errorId: string } };
        expect(body.error.code).to.equal(c.code);
        expect(body.error.errorId).to.match(/^[0-9a-f-]{36}$/);
        expect(await keyCount()).to.equal(before);
      });
    }
  });

  it("asks Kanta (Hae asiakkuus) for a provider's right when the organizer's document never passed through here", async () => {
    const client = makeHetu(9, 9, 2012, 907);
    const relationship = newDocumentId(DEMO.region.oid);
    const base = { custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu: client, functionCode: DEMO.serviceTask };
    const r1 = await submit(gw.url, env.tokens.region, makeSampleCda({ ...base, documentId: relationship, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }] } }));
    expect(r1.status).to.equal(202);
    await waitFor(() => statusOf(gw.url, env.tokens.region, relationship), (s) => s.status === 'archived');
    // Forget what the gateway learned: as if the region stored through another system.
    const redis = new Redis(env.redis.url);
    try {
      const keys = await redis.keys('kgw:rko:*');
      expect(keys.length).to.be.greaterThan(0);
      await redis.del(...keys);
    } finally {
      await redis.quit();
    }
    const note = newDocumentId(DEMO.hoiva.oid);
    const r2 = await submit(gw.url, env.tokens.hoiva, makeSampleCda({ ...base, documentId: note, serviceUnit: DEMO.hoiva.unit }));
    expect(r2.status, JSON.stringify(r2.body)).to.equal(202);
    expect((r2.body.routing as { ruleId: string }).ruleId).to.equal('R-REGISTRY-RIGHT');
    await waitFor(() => statusOf(gw.url, env.tokens.hoiva, note), (s) => s.status === 'archived');
    // A client with no asiakkuusasiakirja in Kanta either: refused with the right code.
    const r3 = await submit(gw.url, env.tokens.hoiva, makeSampleCda({ ...base, hetu: makeHetu(10, 10, 2010, 908), documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit }));
    expect(r3.status).to.equal(403);
    expect((r3.body.error as { code: string }).code).to.equal('RIGHT_NOT_FOUND');
  });

  it('verifies signatures a tenant already applied: valid ones pass (and are kept), a tampered one is refused', async () => {
    const key = createPrivateKey(readFileSync(env.pki.signing[DEMO.perhe.oid]!.keyFile));
    const certificatePem = readFileSync(env.pki.signing[DEMO.perhe.oid]!.certFile, 'utf8');
    const docId = newDocumentId(DEMO.perhe.oid);
    const { signedXml } = signSystem(providerDoc({ documentId: docId }), { privateKey: key, certificatePem });
    const ok = await submit(gw.url, env.tokens.perhe, signedXml);
    expect(ok.status, JSON.stringify(ok.body)).to.equal(202);
    await waitFor(() => statusOf(gw.url, env.tokens.perhe, docId), (st) => st.status === 'archived');
    const archived = env.double.archivedDocument(docId)!.toString('utf8');
    expect(archived.match(/<hl7fi:signature /g) ?? archived.match(/signatureDescription code="3"/g)).to.have.length(2);
    const other = newDocumentId(DEMO.perhe.oid);
    const original = signSystem(providerDoc({ documentId: other }), { privateKey: key, certificatePem }).signedXml;
    const tampered = original.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
    expect(tampered).to.not.equal(original);
    const bad = await submit(gw.url, env.tokens.perhe, tampered);
    expect(bad.status).to.equal(400);
    expect((bad.body.error as { code: string }).code).to.equal('INTAKE_INVALID_SIGNATURE');
    // signer.incomingSigner: 'tenant' — a valid signature by another organisation's certificate is refused too.
    const regionKey = createPrivateKey(readFileSync(env.pki.signing[DEMO.region.oid]!.keyFile));
    const regionCert = readFileSync(env.pki.signing[DEMO.region.oid]!.certFile, 'utf8');
    const foreign = await submit(gw.url, env.tokens.perhe, signSystem(providerDoc({ documentId: newDocumentId(DEMO.perhe.oid) }), { privateKey: regionKey, certificatePem: regionCert }).signedXml);
    expect(foreign.status).to.equal(400);
    expect((foreign.body.error as { code: string }).code).to.equal('INTAKE_INVALID_SIGNATURE');
  });

  it('closes a right with a new version of the asiakkuusasiakirja: a provider note dated after the end date is refused', async () => {
    const client = makeHetu(3, 4, 2014, 909);
    const v1 = newDocumentId(DEMO.region.oid);
    const v2 = newDocumentId(DEMO.region.oid);
    const base = { custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu: client, functionCode: DEMO.serviceTask, documentGroup: '1' };
    expect((await submit(gw.url, env.tokens.region, makeSampleCda({ ...base, documentId: v1, rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }] } }))).status).to.equal(202);
    const closing = makeSampleCda({ ...base, documentId: v2, setId: v1, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 }, rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01', end: '2026-09-30' }] } });
    expect((await submit(gw.url, env.tokens.region, closing, 'version')).status).to.equal(202);
    const note = (date: string) => makeSampleCda({ ...base, documentGroup: '5', documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit, effectiveTime: date });
    const inside = await submit(gw.url, env.tokens.hoiva, note('20260930235900+0300'));
    expect(inside.status, 'last valid day (Finnish time)').to.equal(202);
    const after = await submit(gw.url, env.tokens.hoiva, note('20261001000100+0300'));
    expect(after.status).to.equal(403);
    expect(after.body.error).to.include({ code: 'RIGHT_DATE_OUTSIDE' });
    // The provider's note waits for the version that holds its right, then reaches the archive.
    await waitFor(() => statusOf(gw.url, env.tokens.hoiva, String(inside.body.documentId)), (s) => s.status === 'archived');
    expect((await statusOf(gw.url, env.tokens.region, v2)).status).to.equal('archived');
  });

  it('voids a document (mitätöinti) and the archive refuses any later version of the voided set', async () => {
    const v1 = newDocumentId(DEMO.perhe.oid);
    const voiding = newDocumentId(DEMO.perhe.oid);
    expect((await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: v1 }))).status).to.equal(202);
    const r = await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: voiding, setId: v1, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 } }), 'void');
    expect(r.status).to.equal(202);
    expect((await waitFor(() => statusOf(gw.url, env.tokens.perhe, voiding), (s) => s.status === 'archived')).status).to.equal('archived');
    expect(env.double.inspect().archived.find((a) => a.documentId === voiding)).to.include({ operation: 'void' });
    const later = newDocumentId(DEMO.perhe.oid);
    expect((await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: later, setId: v1, versionNumber: 3, parent: { id: voiding, setId: v1, versionNumber: 2 } }), 'version')).status).to.equal(202);
    const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, later), (s) => s.status === 'parked' || s.status === 'rejected');
    expect(['parked', 'rejected']).to.include(st.status);
    expect(st.code).to.be.a('string').and.not.equal('');
  });

  it("keeps a verifiable usage log per organisation: accepted, read, archived, never a hetu", async () => {
    const hetu = makeHetu(5, 5, 1995, 911);
    const docId = newDocumentId(DEMO.perhe.oid);
    expect((await submit(gw.url, env.tokens.perhe, providerDoc({ documentId: docId, hetu }))).status).to.equal(202);
    await waitFor(() => statusOf(gw.url, env.tokens.perhe, docId), (st) => st.status === 'archived');
    // The archived entry is appended after the state change: wait for it rather than for a guess.
    const actionsOf = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { action: string; documentId?: string }).filter((r) => r.documentId === docId).map((r) => r.action);
    const log = await waitFor(
      async () => {
        const res = await fetch(`${gw.url}/v1/audit/${DEMO.perhe.oid}`, { headers: { authorization: `Bearer ${env.tokens.ops}` } });
        return { status: res.status, text: await res.text() };
      },
      (l) => l.status !== 200 || actionsOf(l.text).includes('archived'),
    );
    expect(log.status).to.equal(200);
    const text = log.text;
    expect(text).to.not.contain(hetu);
    expect(verifyChain(text).valid).to.equal(true);
    const actions = actionsOf(text);
    expect(actions).to.include.members(['intake-accepted', 'status-read', 'archived']);
    const other = await fetch(`${gw.url}/v1/audit/${DEMO.perhe.oid}`, { headers: { authorization: `Bearer ${env.tokens.hoiva}` } });
    expect(other.status).to.equal(403);
  });

  it('readiness reports config and Redis', async () => {
    const r = await fetch(`${gw.url}/readyz`);
    expect(r.status).to.equal(200);
    const body = (await r.json()) as { checks: { redis: boolean; config: { version: string } } };
    expect(body.checks.redis).to.equal(true);
    expect(body.checks.config.version).to.match(/^[0-9a-f]{12}$/);
  });
});

describe('end to end: Redis down at intake', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let redis: LocalRedis;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-down-'));
    redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true });
    env = await buildDemoEnvironment({ dir, redis, pki: await sharedDemoPki() });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
    await redis?.stop();
  });

  it('answers 503 QUEUE_UNAVAILABLE, readiness turns false, and nothing is half-stored', async () => {
    await redis.stop();
    const docId = newDocumentId(DEMO.perhe.oid);
    const res = await fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.perhe}`, 'content-type': 'application/xml' }, body: providerDoc({ documentId: docId }) });
    expect(res.status).to.equal(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('QUEUE_UNAVAILABLE');
    expect((await fetch(`${gw.url}/readyz`)).status).to.equal(503);
    // Same data directory and port: the AOF brings back everything that was written before.
    redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true, port: redis.port });
    const check = new Redis(redis.url);
    try {
      expect(await check.keys(`kgw:*${docId}*`)).to.deep.equal([]);
    } finally {
      await check.quit();
    }
    expect(readFileSync(env.configFile, 'utf8')).to.contain(redis.url);
  });
});
