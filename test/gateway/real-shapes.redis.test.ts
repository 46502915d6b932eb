// Real Kanta document shapes through the whole gateway (issue 13): a professionally signed client
// document (no system signature of its own) is archived with the gateway's system signature added and
// the professional signature byte-exact; a tampered professional signature is refused at intake; an
// asiakkuusasiakirja without functionCode is archived and its right comes into force at the AA.
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { signCda } from '../kanta-double/support/test-signer.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'test-secret';

describe('end to end: real document shapes (professional signatures, asiakkuusasiakirja without functionCode)', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let professional: { certPem: string; keyPem: string };

  before(async () => {
    env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-real-shapes-')) });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: SECRET } });
    // A certificate of the demo CA stands in for a professional's card (the CA is the trusted one).
    const s = env.pki.signing[DEMO.perhe.oid]!;
    professional = { certPem: readFileSync(s.certFile, 'utf8'), keyPem: readFileSync(s.keyFile, 'utf8') };
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  const perheDoc = (documentId: string) => makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(2, 3, 1988, 951), functionCode: '21' });

  it('archives a professionally signed document: the gateway adds its system signature, the professional one stays byte-exact', async () => {
    const id = newDocumentId(DEMO.perhe.oid);
    const signed = signCda(perheDoc(id), professional, { kind: '1', bodyOnly: true, id: 'prof-1' });
    const r = await submit(gw.url, env.tokens.perhe, signed);
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, id), (s) => s.status === 'archived', 30_000);
    expect(st.status).to.equal('archived');
    const archived = env.double.archivedDocument(id)!.toString('utf8');
    expect(archived.match(/signatureDescription code="1"/g)).to.have.length(1);
    expect(archived.match(/signatureDescription code="3"/g)).to.have.length(1);
    const professionalPart = /<hl7fi:signature ID="prof-1">[\s\S]*?<\/hl7fi:signature>/.exec(signed)![0];
    expect(archived).to.contain(professionalPart);
    expect(st.signature).to.not.have.property('origin');
  });

  it('refuses at intake a document whose professional signature was tampered with, storing nothing', async () => {
    const id = newDocumentId(DEMO.perhe.oid);
    const signed = signCda(perheDoc(id), professional, { kind: '1', bodyOnly: true, id: 'prof-2' });
    const at = signed.indexOf('<ds:SignatureValue>') + '<ds:SignatureValue>'.length;
    const tampered = `${signed.slice(0, at)}${signed[at] === 'A' ? 'B' : 'A'}${signed.slice(at + 1)}`;
    const r = await submit(gw.url, env.tokens.perhe, tampered);
    expect(r.status).to.equal(400);
    expect((r.body.error as { code: string }).code).to.equal('INTAKE_INVALID_SIGNATURE');
    expect(await gw.store.get('perhe', id)).to.equal(undefined);
  });

  it('archives an asiakkuusasiakirja without functionCode; its right is pending until the AA, then in force', async () => {
    const hetu = makeHetu(7, 8, 2013, 952);
    const relationship = newDocumentId(DEMO.region.oid);
    // As real asiakkuusasiakirjat may be: the service tasks only in the JSON part, no functionCode.
    const xml = makeSampleCda({ documentId: relationship, custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }] } }).replace(/<hl7fi:functionCode [^>]*\/>/, '');
    expect(xml).to.not.contain('functionCode');
    const redis = new Redis(env.redis.url);
    const rights = new RegistryRightStore(redis, { prefix: 'kgw', clientKeySecret: SECRET });
    try {
      env.double.setFaults({ latency: { fixedMs: 1_000 } });
      const r = await submit(gw.url, env.tokens.region, xml);
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      expect(await rights.current(DEMO.region.oid, { root: '1.2.246.21', extension: hetu })).to.include({ pending: true });
      env.double.setFaults({});
      const st = await waitFor(() => statusOf(gw.url, env.tokens.region, relationship), (s) => s.status === 'archived', 30_000);
      expect(st.status).to.equal('archived');
      const inForce = await waitFor(() => rights.current(DEMO.region.oid, { root: '1.2.246.21', extension: hetu }), (x) => x?.pending === undefined, 10_000);
      expect(inForce?.pending).to.equal(undefined);
      expect(Object.keys(inForce!.entries)).to.deep.equal([DEMO.serviceTask]);
    } finally {
      env.double.setFaults({});
      await redis.quit();
    }
  });
});

describe('end to end: an organizer versions a provider\'s document after the right ended', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;

  before(async () => {
    env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-org-version-')) });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: SECRET } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  it('is accepted under R-ORGANIZER-VERSIONS-PROVIDER-DOC and archived by the archive, written as the organizer (own use)', async () => {
    const hetu = makeHetu(5, 6, 2012, 953);
    const base = { custodian: DEMO.region.oid, hetu, functionCode: DEMO.serviceTask };
    // The region opens the provider's right, the provider writes a note under it, the region closes the right.
    const set = newDocumentId(DEMO.region.oid);
    const v2 = newDocumentId(DEMO.region.oid);
    const right = (end?: string) => ({ [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01', ...(end ? { end } : {}) }] });
    expect((await submit(gw.url, env.tokens.region, makeSampleCda({ ...base, serviceUnit: DEMO.region.unit, documentId: set, documentGroup: '1', rights: right() }))).status).to.equal(202);
    await waitFor(() => statusOf(gw.url, env.tokens.region, set), (s) => s.status === 'archived', 30_000);
    const note = newDocumentId(DEMO.hoiva.oid);
    const noteXml = makeSampleCda({ ...base, serviceUnit: DEMO.hoiva.unit, documentId: note, effectiveTime: '20260915120000+0300' });
    expect((await submit(gw.url, env.tokens.hoiva, noteXml)).status).to.equal(202);
    expect((await waitFor(() => statusOf(gw.url, env.tokens.hoiva, note), (s) => s.status === 'archived', 30_000)).status).to.equal('archived');
    const closing = makeSampleCda({ ...base, serviceUnit: DEMO.region.unit, documentId: v2, setId: set, versionNumber: 2, parent: { id: set, setId: set, versionNumber: 1 }, documentGroup: '1', rights: right('2026-09-30') });
    expect((await submit(gw.url, env.tokens.region, closing, 'version')).status).to.equal(202);
    await waitFor(() => statusOf(gw.url, env.tokens.region, v2), (s) => s.status === 'archived', 30_000);

    // After the right ended, the region versions the provider's note in its own registry.
    const corrected = newDocumentId(DEMO.region.oid);
    const xml = makeSampleCda({ ...base, serviceUnit: DEMO.hoiva.unit, documentId: corrected, setId: note, versionNumber: 2, parent: { id: note, setId: note, versionNumber: 1 }, effectiveTime: '20261015120000+0300' });
    const r = await submit(gw.url, env.tokens.region, xml, 'version');
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect((r.body.routing as { ruleId: string }).ruleId).to.equal('R-ORGANIZER-VERSIONS-PROVIDER-DOC');
    const st = await waitFor(() => statusOf(gw.url, env.tokens.region, corrected), (s) => ['archived', 'parked', 'rejected'].includes(s.status as string), 30_000);
    expect(st.status, JSON.stringify(st.ack ?? st)).to.equal('archived');
    expect(env.double.inspect().archived.some((a) => a.documentId === corrected)).to.equal(true);
  });
});
