// JSON intake end to end with real parts only: redis-server (AOF), the signer pool, the Kanta archive
// double over mutual TLS. The same document sent as CDA and as JSON ends with the same routing decision
// and equivalent archived CDAs; minted document ids are unique across two gateway processes and after
// a Redis restart; bad fields are refused with their paths and nothing is stored or minted.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { CLIENT_RELATIONSHIP_EXAMPLE, type JsonDocumentSubmissionInput } from '../../adapters/intake/json-document-schema.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import type { DocumentMetadata } from '../../domain/document-header.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { buildOverlaySchemaSet } from '../fixtures/schema-overlay/apply-overlay.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { planSubmission } from './support/json-fixtures.ts';
import { schemaOrSkip } from '../helpers/shared-material.ts';
import { validateAgainst } from './support/xml-schema.ts';

const silent = createLogger({ silent: true });
const ARC = { region: '1.2.246.10.11111111.95.2026', hoiva: '1.2.246.10.22222222.95.2026' };

const GOOD_HETU = makeHetu(15, 3, 2016, 901);
const BAD_HETU = `${GOOD_HETU.slice(0, -1)}${GOOD_HETU.endsWith('A') ? 'B' : 'A'}`;

type Answer = { status: number; body: Record<string, any> };

describe('JSON intake end to end (real Redis, signer, Kanta double)', function () {
  this.timeout(120_000);
  let dir: string;
  let redis: LocalRedis;
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let check: Redis;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-json-'));
    redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true });
    // Perhepalvelu keeps no arc: its JSON documents are refused with INTAKE_NO_OID_ARC.
    env = await buildDemoEnvironment({ dir, redis, override: (c) => void delete c.organisations.find((o) => o.oid === DEMO.perhe.oid)!.documentOidArc });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    check = new Redis(redis.url);
    check.on('error', () => {}); // the restart test takes Redis away for a moment
  });
  after(async () => {
    check?.disconnect();
    await gw?.close();
    await env?.stop();
    await redis?.stop();
  });

  async function postJson(url: string, token: string, body: unknown, operation?: string): Promise<Answer> {
    const res = await fetch(`${url}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8', ...(operation ? { 'kanta-operation': operation } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  const archived = async (token: string, id: string) => (await waitFor(() => statusOf(gw.url, token, id), (s) => ['archived', 'parked', 'rejected'].includes(String(s.status)))).status;
  const headerOf = (id: string): DocumentMetadata => readDocumentMetadata(parseXmlSafely(env.double.archivedDocument(id)!.toString('utf8')));
  /** Every header field but the document's own ids (minted for JSON, chosen by the sender for CDA). */
  function comparable(h: DocumentMetadata) {
    const { documentId, setId, bodyId, signatures, ...rest } = h;
    expect(bodyId).to.equal(`OID${documentId}`);
    expect(setId).to.equal(documentId);
    return { ...rest, signatureKinds: signatures.map((s) => s.kind) };
  }
  const decisionOf = (a: Answer) => a.body.routing as Record<string, unknown>;

  it('archives the same document sent as CDA and as JSON with the same routing decision and equal header fields', async () => {
    const hetu = makeHetu(4, 5, 2015, 911);
    const cdaId = newDocumentId(DEMO.region.oid);
    const asCda = await submit(gw.url, env.tokens.region, makeSampleCda({ documentId: cdaId, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, serviceUnitName: DEMO.region.unitName, hetu, functionCode: '24' }));
    const asJson = await postJson(gw.url, env.tokens.region, planSubmission({ client: { hetu }, submissionKey: undefined }));
    expect(asCda.status).to.equal(202);
    expect(asJson.status, JSON.stringify(asJson.body)).to.equal(202);
    const jsonId = String(asJson.body.documentId);
    expect(jsonId).to.match(new RegExp(`^${ARC.region.replace(/\./g, '\\.')}\\.\\d+$`));
    expect(asJson.body).to.include({ setId: jsonId, version: 1, controller: DEMO.region.oid });
    expect(decisionOf(asJson)).to.deep.equal(decisionOf(asCda));
    expect(await archived(env.tokens.region, cdaId)).to.equal('archived');
    expect(await archived(env.tokens.region, jsonId)).to.equal('archived');
    // Equal in every header field both carry (the JSON form may carry more, e.g. the client's name).
    const [fromJson, fromCda] = [comparable(headerOf(jsonId)), comparable(headerOf(cdaId))];
    const shared = Object.keys(fromCda).filter((k) => k in fromJson);
    expect(shared).to.include.members(['custodian', 'serviceUnit', 'functionCode', 'documentGroup', 'client', 'documentDate', 'versionNumber', 'languageCode', 'confidentiality']);
    for (const k of shared) expect((fromJson as Record<string, unknown>)[k], k).to.deep.equal((fromCda as Record<string, unknown>)[k]);
  });

  it('opens a right with a JSON asiakkuusasiakirja that a provider then uses, by CDA and by JSON alike', async () => {
    const hetu = makeHetu(9, 9, 2014, 912);
    const relationship = structuredClone(CLIENT_RELATIONSHIP_EXAMPLE) as JsonDocumentSubmissionInput & { body: { json: any } };
    delete relationship.submissionKey;
    relationship.client.hetu = hetu;
    relationship.body.json.asiakkuusasiakirja.asiakas.henkilotunnus.value = hetu;
    const opened = await postJson(gw.url, env.tokens.region, relationship);
    expect(opened.status, JSON.stringify(opened.body)).to.equal(202);
    expect(await archived(env.tokens.region, String(opened.body.documentId))).to.equal('archived');

    const cdaId = newDocumentId(DEMO.hoiva.oid);
    const asCda = await submit(gw.url, env.tokens.hoiva, makeSampleCda({ documentId: cdaId, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.hoiva.unit, hetu, functionCode: '24' }));
    const asJson = await postJson(gw.url, env.tokens.hoiva, planSubmission({ client: { hetu }, serviceUnit: DEMO.hoiva.unit, submissionKey: undefined }));
    expect(asCda.status, JSON.stringify(asCda.body)).to.equal(202);
    expect(asJson.status, JSON.stringify(asJson.body)).to.equal(202);
    expect(String(asJson.body.documentId).startsWith(`${ARC.hoiva}.`), 'minted under the writing provider\'s arc').to.equal(true);
    expect(decisionOf(asJson)).to.include({ registry: 'organizer', controller: DEMO.region.oid, writerOrganisation: DEMO.hoiva.oid });
    expect(decisionOf(asJson)).to.deep.equal(decisionOf(asCda));
    expect(await archived(env.tokens.hoiva, cdaId)).to.equal('archived');
    expect(await archived(env.tokens.hoiva, String(asJson.body.documentId))).to.equal('archived');
  });

  it('archives a new version named by set and parent, and the signed JSON-built CDA validates against the CDA R2 schemas', async function () {
    const v1 = await postJson(gw.url, env.tokens.region, planSubmission({ submissionKey: undefined }));
    expect(v1.status).to.equal(202);
    const id1 = String(v1.body.documentId);
    const v2 = await postJson(gw.url, env.tokens.region, planSubmission({ submissionKey: undefined, effectiveTime: '2026-10-01T10:30:00+03:00', version: { setId: id1, parentId: id1, versionNumber: 2 } }));
    expect(v2.status, JSON.stringify(v2.body)).to.equal(202);
    expect(v2.body).to.include({ setId: id1, version: 2 });
    expect(await archived(env.tokens.region, String(v2.body.documentId))).to.equal('archived');
    expect(headerOf(String(v2.body.documentId)).parent).to.deep.equal({ id: id1, setId: id1, versionNumber: 1 });

    const kela = schemaOrSkip(this as unknown as Mocha.Context, 'kela-cda-fi/CDA_Fi.xsd');
    const r = await validateAgainst(buildOverlaySchemaSet(path.dirname(kela)), 'CDA_Fi.xsd', env.double.archivedDocument(String(v2.body.documentId))!);
    expect(r.valid, `${r.tool}: ${r.errors}`).to.equal(true);
  });

  it('answers a resend with the same submission key as a resubmission, and other content under it as a conflict', async () => {
    const doc = planSubmission({ submissionKey: `retry-${Date.now()}` });
    const first = await postJson(gw.url, env.tokens.region, doc);
    const again = await postJson(gw.url, env.tokens.region, doc);
    expect(first.status).to.equal(202);
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ documentId: first.body.documentId, submissionId: first.body.submissionId });
    const other = await postJson(gw.url, env.tokens.region, { ...doc, effectiveTime: '2026-09-16T12:00:00+03:00' });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
  });

  it('mints distinct ids for two gateway processes submitting at once, and keeps counting after a Redis restart', async () => {
    const second = await startGateway({ configFile: env.configFile, logger: silent, runWorkers: false, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    let ids: string[];
    try {
      const sends = Array.from({ length: 24 }, (_, i) => postJson(i % 2 ? second.url : gw.url, env.tokens.region, planSubmission({ submissionKey: undefined, client: { hetu: makeHetu(1 + (i % 28), 1, 2012, 920 + i) } })));
      const answers = await Promise.all(sends);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).to.equal(202);
      ids = answers.map((a) => String(a.body.documentId));
    } finally {
      await second.close();
    }
    expect(new Set(ids).size).to.equal(ids.length);
    const highest = Math.max(...ids.map((id) => Number(id.slice(ARC.region.length + 1))));

    await redis.stop();
    redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true, port: redis.port });
    const after = await waitFor(() => postJson(gw.url, env.tokens.region, planSubmission({ submissionKey: undefined, client: { hetu: makeHetu(2, 2, 2013, 990) } })), (a) => a.status === 202, 30_000);
    expect(after.status, JSON.stringify(after.body)).to.equal(202);
    expect(Number(String(after.body.documentId).slice(ARC.region.length + 1))).to.be.greaterThan(highest);
  });

  describe('refusals: coded, field by field, and nothing stored or minted', () => {
    const state = async () => ({ docs: (await check.keys('kgw:doc:*')).length, counters: Object.fromEntries(await Promise.all((await check.keys('kgw:oid-counter:*')).sort().map(async (k) => [k, await check.get(k)]))) });

    const cases: Array<{ name: string; status: number; code: string; token: () => string; body: unknown; paths?: string[] }> = [
      {
        name: 'bad fields',
        status: 400,
        code: 'INTAKE_INVALID_JSON',
        token: () => env.tokens.region,
        body: (() => {
          const b = planSubmission({ organizer: '1.2.x', effectiveTime: 'yesterday' }) as Record<string, any>;
          b.client.hetu = '010190-9030';
          b.unknown = true;
          return b;
        })(),
        paths: ['$.organizer', '$.effectiveTime', '$.unknown'],
      },
      { name: 'a henkilötunnus failing its checksum', status: 400, code: 'INTAKE_INVALID_JSON', token: () => env.tokens.region, body: planSubmission({ client: { hetu: BAD_HETU } }), paths: ['$.client.hetu'] },
      { name: 'not JSON', status: 400, code: 'INTAKE_INVALID_JSON', token: () => env.tokens.region, body: '{"documentGroup": ', paths: ['$'] },
      { name: 'an organisation without a document OID arc', status: 422, code: 'INTAKE_NO_OID_ARC', token: () => env.tokens.perhe, body: planSubmission({ organizer: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, client: { hetu: makeHetu(3, 3, 1980, 930) } }) },
      { name: 'another organisation\'s unit', status: 403, code: 'ROUTE_UNIT_NOT_OWNED', token: () => env.tokens.hoiva, body: planSubmission() },
      { name: 'a unit not in the register extract', status: 403, code: 'ROUTE_UNKNOWN_SERVICE_UNIT', token: () => env.tokens.region, body: planSubmission({ serviceUnit: '1.2.246.10.11111111.10.999' }) },
    ];
    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const before = await state();
        const a = await postJson(gw.url, c.token(), c.body);
        expect(a.status, JSON.stringify(a.body)).to.equal(c.status);
        expect(a.body.error.code).to.equal(c.code);
        expect(a.body.error.errorId).to.match(/^[0-9a-f-]{36}$/);
        if (c.paths) {
          const issues = a.body.error.details.issues as Array<{ path: string; reason: string; code: string }>;
          for (const p of c.paths) expect(issues.map((i) => i.path), p).to.include(p);
          for (const i of issues) expect(i).to.have.all.keys('path', 'reason', 'code');
        }
        const sent = (c.body as { client?: { hetu?: string } }).client?.hetu;
        if (sent) expect(JSON.stringify(a.body)).to.not.contain(sent);
        expect(await state()).to.deep.equal(before);
      });
    }
  });
});
