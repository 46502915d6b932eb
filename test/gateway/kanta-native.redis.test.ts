// Kanta-native intake end to end, with real parts only: redis-server, the signer pool, the Kanta archive
// double over mutual TLS, and a SOAP client nobody here wrote (the `soap` npm package, generated from the
// gateway's own WSDL) playing a certified client system with its own client certificate.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import type { DocumentMetadata } from '../../domain/document-header.ts';
import { certifiedClient, type CertifiedClient, type CertifiedFrameInput, type CertifiedOperation } from '../../gateway/demo/certified-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { soapWrapped, tenantQueryMessage } from './query-relay/tenant-query-message.ts';
import { planSubmission } from '../intake/support/json-fixtures.ts';

const silent = createLogger({ silent: true });
const ACTOR = { id: { root: '1.2.246.537.26', extension: '10012345' }, family: 'Virtanen', given: 'Liisa', unit: DEMO.region.unit, unitName: DEMO.region.unitName };
const AUTHOR = { id: { root: '1.2.246.537.26', extension: '10054321' }, family: 'Korhonen', given: 'Matti' };

let counter = 0;
const newMessageId = () => ({ root: DEMO.certifiedSystem.deviceId, extension: `${Date.now()}${(counter += 1)}` });

describe('Kanta-native SOAP intake: a certified client system through the gateway (real Redis, double, soap client)', function () {
  this.timeout(120_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let region: CertifiedClient;
  let redis: Redis;

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-native-'));
    const pki = await sharedDemoPki();
    env = await buildDemoEnvironment({
      dir,
      pki,
      doubleKeepMessages: 100,
      // Hoivapalvelu's system calls with the access point's test certificate (any CA-issued one will do here).
      override: (c) => {
        const ap = new X509Certificate(readFileSync(pki.tlsClients[DEMO.accessPoint]!.certFile));
        c.tenants.find((t) => t.id === 'hoiva')!.credentials.tlsClients = [{ subject: ap.subject, issuer: ap.issuer }];
      },
    });
    gw = await startGateway({ configFile: env.configFile, logger: silent, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    expect(gw.kantaNativeUrl).to.match(/^https:\/\/127\.0\.0\.1:\d+\/kanta\/sosiaalihuolto$/);
    region = await clientWith(DEMO.certifiedSystem.id);
    redis = new Redis(env.redis.url);
  });
  after(async () => {
    await redis?.quit();
    await gw?.close();
    await env?.stop();
  });

  function clientWith(tlsClientId: string, pair?: { certFile: string; keyFile: string }): Promise<CertifiedClient> {
    const files = pair ?? env.pki.tlsClients[tlsClientId]!;
    return certifiedClient(gw.kantaNativeUrl!, { certFile: files.certFile, keyFile: files.keyFile, caFile: env.pki.ca.certFile });
  }

  function frame(operation: CertifiedOperation, doc: { id: string; setId?: string; versionNumber?: number; custodian?: string; custodianName?: string; parent?: { id: string; setId: string; versionNumber: number } }, hetu: string, cda: string, over: Partial<CertifiedFrameInput> = {}): CertifiedFrameInput {
    const sp = { archive: 'SP17', version: 'SP18', void: 'SP19' }[operation];
    return {
      operation,
      messageId: newMessageId(),
      senderId: DEMO.certifiedSystem.deviceId,
      receiverId: DEMO.certifiedSystem.kantaReceiverId,
      serviceRequest: sp,
      usageSituation: '1',
      actor: ACTOR,
      author: AUTHOR,
      patient: { hetu, statusCode: 'active', family: 'Testinen', given: 'Taavi', genderCode: '1', birthTime: '20160315' },
      document: { id: doc.id, setId: doc.setId ?? doc.id, versionNumber: doc.versionNumber ?? 1, custodian: doc.custodian ?? DEMO.region.oid, custodianName: doc.custodianName ?? DEMO.region.name, ...(doc.parent ? { parent: doc.parent } : {}) },
      cda: Buffer.from(cda, 'utf8'),
      ...over,
    };
  }

  const regionCda = (o: { id: string; hetu: string; setId?: string; versionNumber?: number; parent?: { id: string; setId: string; versionNumber: number }; note?: string }) =>
    makeSampleCda({ documentId: o.id, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, serviceUnitName: DEMO.region.unitName, hetu: o.hetu, functionCode: DEMO.serviceTask, ...(o.setId ? { setId: o.setId } : {}), ...(o.versionNumber ? { versionNumber: o.versionNumber } : {}), ...(o.parent ? { parent: o.parent } : {}), ...(o.note ? { note: o.note } : {}) });
  const framedFor = (documentId: string) => env.double.receivedMessages().filter((m) => m.ack === 'AA' && m.body.includes(`<id root="${documentId}"/><code`));
  const docKeys = async () => (await redis.keys('kgw:doc:*')).length;
  const codesOf = (a: { details: Array<{ code?: string }> }) => a.details.map((d) => d.code);

  it('offers the four operations in its WSDL to a generated client', () => {
    expect(region.operations).to.deep.equal(['Archive', 'Version', 'Void', 'QueryClientRelationship']);
  });

  it('archives, versions and voids with Kanta-format answers, carrying the acting person, author and patient into the gateway\'s own frame', async () => {
    const hetu = makeHetu(15, 3, 2016, 931);
    const v1 = newDocumentId(DEMO.region.oid);
    const v2 = newDocumentId(DEMO.region.oid);
    const v3 = newDocumentId(DEMO.region.oid);
    const f1 = frame('archive', { id: v1 }, hetu, regionCda({ id: v1, hetu }));
    const a1 = await region.send('archive', f1);
    expect(a1.typeCode, a1.raw).to.equal('AA');
    expect(a1.target).to.deep.equal(f1.messageId);
    const f2 = frame('version', { id: v2, setId: v1, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 } }, hetu, regionCda({ id: v2, hetu, setId: v1, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 }, note: 'päivitetty' }));
    const a2 = await region.send('version', f2);
    expect(a2.typeCode, a2.raw).to.equal('AA');
    expect(a2.target).to.deep.equal(f2.messageId);
    const f3 = frame('void', { id: v3, setId: v1, versionNumber: 3, parent: { id: v2, setId: v1, versionNumber: 2 } }, hetu, regionCda({ id: v3, hetu, setId: v1, versionNumber: 3, parent: { id: v2, setId: v1, versionNumber: 2 }, note: 'mitätöity' }));
    const a3 = await region.send('void', f3);
    expect(a3.typeCode, a3.raw).to.equal('AA');

    const archived = env.double.inspect().archived.filter((a) => a.setId === v1).map((a) => [a.versionNumber, a.operation]);
    expect(archived).to.deep.equal([[1, 'archive'], [2, 'version'], [3, 'void']]);
    // The double archived the CDA byte-exact as the tenant sent it, plus the gateway's system signature.
    expect(env.double.archivedDocument(v1)!.toString('utf8')).to.include('<hl7fi:signatureCollection');
    for (const [id, f] of [[v1, f1], [v2, f2], [v3, f3]] as const) {
      const sent = framedFor(id);
      expect(sent, id).to.have.length(1);
      const msg = sent[0]!.body;
      // Re-framed: the gateway's sender id and a new message id, the tenant's people and names kept.
      expect(msg).to.include(`<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${DEMO.operator.oid}"/>`);
      expect(msg).to.not.include(`extension="${f.messageId.extension}"`);
      expect(msg).to.include('<authorOrPerformer typeCode="AUT"><assignedPerson><id root="1.2.246.537.26" extension="10012345"/><assignedPerson><name><family>Virtanen</family><given>Liisa</given></name></assignedPerson>');
      expect(msg).to.include(`<representedOrganization><id root="${DEMO.region.unit}"/><name>${DEMO.region.unitName}</name></representedOrganization>`);
      expect(msg).to.include('<author typeCode="AUT"><time nullFlavor="NA"/><assignedAuthor classCode="ASSIGNED"><id root="1.2.246.537.26" extension="10054321"/><assignedPerson classCode="PSN" determinerCode="INSTANCE"><name><family>Korhonen</family><given>Matti</given></name>');
      expect(msg).to.include('<statusCode code="active"/><patientPerson classCode="PSN" determinerCode="INSTANCE"><name><family>Testinen</family><given>Taavi</given></name>');
      expect(msg).to.include(`<name>${DEMO.region.name}</name></representedOrganization></assignedCustodian>`);
    }
    // The tenant's message id ↔ the gateway's message id, in the document's history.
    const st = await statusOf(gw.url, env.tokens.region, v1);
    const history = st.history as Array<{ status: string; tenantMessageId?: string; messageId?: string }>;
    expect(history.find((h) => h.status === 'accepted')?.tenantMessageId).to.equal(`${f1.messageId.root}^${f1.messageId.extension}`);
    const gatewayMessageId = history.find((h) => h.status === 'archived')?.messageId;
    expect(gatewayMessageId).to.be.a('string').and.not.equal(f1.messageId.extension);
    expect(framedFor(v1)[0]!.body).to.include(`extension="${gatewayMessageId}"`);
  });

  it('ends with the same routing decision and an equivalent archived CDA whether sent as CDA REST, Kanta-native or JSON', async () => {
    const hetu = makeHetu(4, 5, 2015, 932);
    const restId = newDocumentId(DEMO.region.oid);
    const nativeId = newDocumentId(DEMO.region.oid);
    const rest = await submit(gw.url, env.tokens.region, regionCda({ id: restId, hetu }));
    expect(rest.status).to.equal(202);
    const native = await region.send('archive', frame('archive', { id: nativeId }, hetu, regionCda({ id: nativeId, hetu })));
    expect(native.typeCode, native.raw).to.equal('AA');
    const json = await fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.region}`, 'content-type': 'application/json' }, body: JSON.stringify(planSubmission({ client: { hetu }, submissionKey: undefined })) });
    const jsonBody = (await json.json()) as Record<string, unknown>;
    expect(json.status, JSON.stringify(jsonBody)).to.equal(202);
    const jsonId = String(jsonBody.documentId);
    const final = async (id: string) => waitFor(() => statusOf(gw.url, env.tokens.region, id), (s) => s.status === 'archived');
    const [sRest, sNative, sJson] = [await final(restId), await final(nativeId), await final(jsonId)];
    for (const s of [sRest, sNative, sJson]) expect(s.status).to.equal('archived');
    expect(sNative.routing).to.deep.equal(sRest.routing);
    expect(sJson.routing).to.deep.equal(sRest.routing);
    const comparable = (id: string) => {
      const { documentId, setId, bodyId, signatures, ...rest } = readDocumentMetadata(parseXmlSafely(env.double.archivedDocument(id)!.toString('utf8'))) as DocumentMetadata;
      void documentId, setId, bodyId;
      return { ...rest, signatureKinds: signatures.map((s) => s.kind) } as Record<string, unknown>;
    };
    const [hRest, hNative, hJson] = [comparable(restId), comparable(nativeId), comparable(jsonId)];
    expect(hNative).to.deep.equal(hRest);
    const shared = Object.keys(hRest).filter((k) => k in hJson);
    expect(shared).to.include.members(['custodian', 'serviceUnit', 'functionCode', 'documentGroup', 'client', 'documentDate', 'versionNumber']);
    for (const k of shared) expect(hJson[k], k).to.deep.equal(hRest[k]);
  });

  it('holds a slow archive answer, tells the system to resend, and answers the resend with the final ack without queuing twice', async () => {
    const file = env.configFile;
    const original = readFileSync(file, 'utf8');
    const cfg = parse(original) as { gateway: { kantaNative: { holdSeconds: number } } };
    cfg.gateway.kantaNative.holdSeconds = 0.5;
    writeFileSync(file, stringify(cfg));
    expect(gw.reload().ok).to.equal(true);
    try {
      const duplicatesBefore = env.double.inspect().duplicates;
      env.double.setFaults({ latency: { fixedMs: 2_000 } });
      const hetu = makeHetu(1, 2, 2014, 933);
      const id = newDocumentId(DEMO.region.oid);
      const cda = regionCda({ id, hetu });
      const first = frame('archive', { id }, hetu, cda);
      const pending = await region.send('archive', first);
      expect(pending.typeCode, pending.raw).to.equal('AE');
      expect(pending.target).to.deep.equal(first.messageId);
      expect(codesOf(pending)).to.deep.equal(['TEMPORARY_ERROR', 'NATIVE_OUTCOME_PENDING']);
      // A resend while the archive is still slow is answered from the stored document: no second queue entry.
      const early = await region.send('archive', { ...first, messageId: newMessageId() });
      expect(early.typeCode).to.equal('AE');
      await waitFor(() => statusOf(gw.url, env.tokens.region, id), (s) => s.status === 'archived');
      env.double.setFaults({});
      const resend = { ...first, messageId: newMessageId() };
      const final = await region.send('archive', resend);
      expect(final.typeCode, final.raw).to.equal('AA');
      expect(final.target).to.deep.equal(resend.messageId);
      expect(env.double.inspect().duplicates - duplicatesBefore).to.equal(0);
      expect(env.double.inspect().archived.filter((a) => a.documentId === id)).to.have.length(1);
      expect(framedFor(id)).to.have.length(1);
    } finally {
      env.double.setFaults({});
      writeFileSync(file, original);
      gw.reload();
    }
  });

  describe('refusals: coded Kanta-format answers, and nothing stored', () => {
    it('a client certificate registered for no tenant → AE AUTH_INVALID', async () => {
      const stranger = await clientWith('', env.pki.signing[DEMO.perhe.oid]!);
      const hetu = makeHetu(2, 2, 2013, 934);
      const id = newDocumentId(DEMO.region.oid);
      const before = await docKeys();
      const f = frame('archive', { id }, hetu, regionCda({ id, hetu }));
      const a = await stranger.send('archive', f);
      expect(a.typeCode).to.equal('AE');
      expect(codesOf(a)).to.deep.equal(['AUTH_INVALID']);
      expect(a.target).to.deep.equal(f.messageId);
      expect(await docKeys()).to.equal(before);
    });

    it('own use claimed for a foreign registry (a provider writing under a registry-use right) → AE NATIVE_USE_SITUATION_MISMATCH', async () => {
      const hetu = makeHetu(3, 3, 2015, 935);
      const relationship = newDocumentId(DEMO.region.oid);
      const opened = await submit(gw.url, env.tokens.region, makeSampleCda({ documentId: relationship, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, hetu, functionCode: DEMO.serviceTask, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, unitName: DEMO.hoiva.unitName, start: '2026-09-01' }] } }));
      expect(opened.status).to.equal(202);
      const hoiva = await clientWith(DEMO.accessPoint);
      const id = newDocumentId(DEMO.hoiva.oid);
      const cda = makeSampleCda({ documentId: id, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.hoiva.unit, serviceUnitName: DEMO.hoiva.unitName, hetu, functionCode: DEMO.serviceTask });
      const actor = { ...ACTOR, unit: DEMO.hoiva.unit, unitName: DEMO.hoiva.unitName };
      const before = await docKeys();
      const claimedOwn = await hoiva.send('archive', frame('archive', { id }, hetu, cda, { actor, usageSituation: '1' }));
      expect(claimedOwn.typeCode, claimedOwn.raw).to.equal('AE');
      expect(codesOf(claimedOwn)).to.deep.equal(['NATIVE_USE_SITUATION_MISMATCH']);
      expect(await docKeys()).to.equal(before);
      // The same message claiming the registry-use right it has is archived.
      const right = await hoiva.send('archive', frame('archive', { id }, hetu, cda, { actor, usageSituation: '2' }));
      expect(right.typeCode, right.raw).to.equal('AA');
    });

    for (const c of [
      { name: 'setId', over: (f: CertifiedFrameInput) => ({ ...f, document: { ...f.document, setId: newDocumentId(DEMO.region.oid) } }), location: 'controlActProcess/subject/clinicalDocument/setId' },
      { name: 'versionNumber', over: (f: CertifiedFrameInput) => ({ ...f, document: { ...f.document, versionNumber: 2 } }), location: 'controlActProcess/subject/clinicalDocument/versionNumber' },
      { name: 'custodian', over: (f: CertifiedFrameInput) => ({ ...f, document: { ...f.document, custodian: DEMO.hoiva.oid } }), location: 'controlActProcess/subject/clinicalDocument/custodian' },
      { name: 'client', over: (f: CertifiedFrameInput) => ({ ...f, patient: { ...f.patient, hetu: makeHetu(5, 5, 2015, 936) } }), location: 'controlActProcess/subject/clinicalDocument/recordTarget/patient/id' },
    ]) {
      it(`frame ↔ CDA ${c.name} mismatch → AR NATIVE_FRAME_CDA_MISMATCH at ${c.location}`, async () => {
        const hetu = makeHetu(6, 6, 2015, 937);
        const id = newDocumentId(DEMO.region.oid);
        const before = await docKeys();
        const a = await region.send('archive', c.over(frame('archive', { id }, hetu, regionCda({ id, hetu }))));
        expect(a.typeCode, a.raw).to.equal('AR');
        expect(codesOf(a)).to.deep.equal(['NATIVE_FRAME_CDA_MISMATCH']);
        expect(a.raw).to.include(`<location>${c.location}</location>`);
        expect(await docKeys()).to.equal(before);
      });
    }

    it('relays the client-relationship query to the query relay: the archive\'s answer, addressed to the tenant\'s message id', async () => {
      // Without a relay the endpoint answers AE NATIVE_QUERY_UNAVAILABLE (kanta-native-query-seam.test.ts);
      // startGateway wires the real one, so the certified system's query reaches the archive.
      const q = tenantQueryMessage({ askingUnit: DEMO.region.unit, custodian: DEMO.region.oid, hetu: makeHetu(7, 7, 2015, 938) });
      const { request } = await import('node:https');
      const files = env.pki.tlsClients[DEMO.certifiedSystem.id]!;
      const answer = await new Promise<string>((resolve, reject) => {
        const req = request(gw.kantaNativeUrl!, { method: 'POST', cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: readFileSync(env.pki.ca.certFile), headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:hl7-org:v3/RCMR_IN200010FI01"' } }, (res) => {
          let s = '';
          res.on('data', (c) => (s += c)).on('end', () => resolve(`${res.statusCode} ${s}`));
        });
        req.on('error', reject);
        req.end(soapWrapped(q.xml));
      });
      expect(answer).to.match(/^200 /);
      expect(answer).to.include('RCMR_IN200011FI01');
      expect(answer).to.match(new RegExp(`<targetMessage><id root="[0-9.]+" extension="${q.messageId}"/></targetMessage>`));
      expect(answer).not.to.include('NATIVE_QUERY_UNAVAILABLE');
    });
  });
});
