// The "Hae asiakkuus" relay end to end with real parts only: redis-server, the gateway in-process, the
// Kanta archive double over mutual TLS. REST tenants use POST /v1/client-queries; a certified client
// system (the `soap` npm client) sends its own Kanta query to a test-only route that calls the
// gateway's kantaNativeQuery, as the soap-intake endpoint will.
import { expect } from 'chai';
import express from 'express';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import * as soap from 'soap';
import { makeHetu } from '../../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../../adapters/cda/sample-document.ts';
import { parseClientRelationshipAnswer } from '../../../adapters/kanta/query-answer.ts';
import { parseResponseXml, unwrapResponse } from '../../../adapters/kanta/soap-envelope.ts';
import { attr, walk } from '../../../adapters/xml/safe-parse.ts';
import { clientQueryAnswerSchema } from '../../../gateway/api/client-queries-api.ts';
import { verifyChain } from '../../../gateway/audit/verify-chain.ts';
import { statusOf, submit } from '../../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../../gateway/demo/document-ids.ts';
import { createLogger } from '../../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../../gateway/main.ts';
import { sharedDemoPki } from '../../helpers/demo-pki.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { KANTA_RECEIVER, TENANT_SYSTEM, queryWsdl, soapWrapped, tenantQueryMessage } from './tenant-query-message.ts';

// Every log line the gateway writes during the suite, at debug level, to look for hetus in at the end.
const logged: string[] = [];
const logger = createLogger({ level: 'debug', stream: new Writable({ write: (chunk, _enc, done) => void (logged.push(String(chunk)), done()) }) });

// Synthetic test persons (individual numbers 900–999, valid checksums).
const withRight = makeHetu(12, 3, 2011, 921);
const withoutRight = makeHetu(13, 4, 2012, 922);
const nobody = makeHetu(14, 5, 2013, 923);
const HETUS = [withRight, withoutRight, nobody];

type AuditLine = { action: string; actor: { kind: string; id: string }; code?: string; clientKey?: string; documentId?: string; controller?: string; actingOrganisation?: string; details?: Record<string, unknown> };

describe('query relay (Hae asiakkuus): REST and Kanta-native through the real double', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let redis: Redis;
  let soapServer: Server;
  let soapBase: string;
  const relationship = { withRight: '', withoutRight: '' };

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-query-relay-'));
    env = await buildDemoEnvironment({ dir, pki: await sharedDemoPki() });
    gw = await startGateway({ configFile: env.configFile, logger, env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    redis = new Redis(env.redis.url);
    const base = { custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, functionCode: DEMO.serviceTask, documentGroup: '1' };
    relationship.withRight = newDocumentId(DEMO.region.oid);
    relationship.withoutRight = newDocumentId(DEMO.region.oid);
    const rights = { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }, { unit: DEMO.perhe.unit, start: '2026-10-01' }] };
    const a = await submit(gw.url, env.tokens.region, makeSampleCda({ ...base, hetu: withRight, documentId: relationship.withRight, rights }));
    const b = await submit(gw.url, env.tokens.region, makeSampleCda({ ...base, hetu: withoutRight, documentId: relationship.withoutRight, rights: { [DEMO.serviceTask]: [{ unit: DEMO.perhe.unit, start: '2026-10-01' }] } }));
    expect(a.status, JSON.stringify(a.body)).to.equal(202);
    expect(b.status, JSON.stringify(b.body)).to.equal(202);
    for (const id of Object.values(relationship)) await waitFor(() => statusOf(gw.url, env.tokens.region, id), (s) => s.status === 'archived');

    // Test-only stand-in for the soap-intake endpoint: the tenant is named in the path here (the real
    // endpoint authenticates it), the body goes to the gateway's kantaNativeQuery untouched.
    const app = express();
    app.get('/soap/:tenant', (req, res) => void res.type('text/xml').send(queryWsdl(`${soapBase}/soap/${req.params.tenant}`)));
    app.post('/soap/:tenant', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
      const tenant = gw.config().config.tenants.find((t) => t.id === req.params.tenant)!;
      const reply = await gw.kantaNativeQuery!({ tenant, body: req.body as Buffer, contentType: req.header('content-type') ?? '', ...(req.header('soapaction') !== undefined ? { soapAction: req.header('soapaction')! } : {}) });
      res.status(reply.status).type(reply.contentType).send(reply.body);
    });
    soapServer = app.listen(0, '127.0.0.1');
    await new Promise((r) => soapServer.once('listening', r));
    soapBase = `http://127.0.0.1:${(soapServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    soapServer?.close();
    await redis?.quit();
    await gw?.close();
    await env?.stop();
  });

  const ask = (token: string, body: unknown) =>
    fetch(`${gw.url}/v1/client-queries`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const queriesAtArchive = () => env.double.inspect().accessLog.filter((e) => e.operation === 'query');
  async function auditText(org: string): Promise<string> {
    const res = await fetch(`${gw.url}/v1/audit/${org}`, { headers: { authorization: `Bearer ${env.tokens.ops}` } });
    expect(res.status).to.equal(200);
    return res.text();
  }
  const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
  const disclosures = async (org: string) => lines(await auditText(org)).filter((l) => l.action === 'disclosure');
  const withoutErrorId = (b: { error: Record<string, unknown> }) => ({ ...b.error, errorId: undefined });
  const postSoap = (tenant: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${soapBase}/soap/${tenant}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, body });
  function readAnswer(text: string) {
    const r = unwrapResponse(parseResponseXml(text));
    if (r.kind !== 'message') throw new Error(`expected a message, got a fault: ${r.faultstring}`);
    const el = r.element;
    const ack = walk(el, 'acknowledgement');
    const detail = walk(ack, 'acknowledgementDetail', 'code');
    return {
      el,
      root: el.localName,
      typeCode: attr(ack, 'typeCode'),
      target: { root: attr(walk(ack, 'targetMessage', 'id'), 'root'), extension: attr(walk(ack, 'targetMessage', 'id'), 'extension') },
      receiver: attr(walk(el, 'receiver', 'device', 'id'), 'root'),
      sender: attr(walk(el, 'sender', 'device', 'id'), 'root'),
      messageId: attr(walk(el, 'id'), 'extension'),
      detailCode: attr(detail, 'code'),
      detailSystem: attr(detail, 'codeSystem'),
      location: walk(ack, 'acknowledgementDetail', 'location')?.textContent ?? undefined,
    };
  }
  /** The answer with what differs per message (ids, times) blanked: what a tenant could compare. */
  const comparable = (text: string) => text.replace(/<id root="[^"]*" extension="[^"]*"\/>/g, '<id/>').replace(/<creationTime value="[^"]*"\/>/g, '<creationTime/>');

  describe('REST: POST /v1/client-queries', () => {
    it("relays a provider's permitted query: its own periods only, rights learned, one disclosure in each party's chain", async () => {
      // Forget what intake learned, so that this answer is what teaches the gateway.
      const keys = await redis.keys('kgw:rko:*');
      if (keys.length) await redis.del(...keys);
      const before = { archive: queriesAtArchive().length, region: (await disclosures(DEMO.region.oid)).length, hoiva: (await disclosures(DEMO.hoiva.oid)).length };
      const res = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: withRight } });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(clientQueryAnswerSchema.safeParse(body).success, 'the answer matches its schema').to.equal(true);
      expect(body).to.deep.include({ outcome: 'found', custodian: DEMO.region.oid, role: 'provider', learned: true });
      expect(body.document).to.deep.include({ documentId: relationship.withRight, setId: relationship.withRight, versionNumber: 1 });
      expect(body.rights, 'a provider sees only its own units').to.deep.equal({ [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }] });
      expect(JSON.stringify(body)).to.not.contain(withRight);
      expect((await redis.keys('kgw:rko:*')).length, 'rights learned from the answer').to.be.greaterThan(0);

      // Relayed once, re-framed by the gateway: the archive saw the access point's sender, not the tenant's.
      const seen = queriesAtArchive();
      expect(seen).to.have.length(before.archive + 1);
      expect(seen.at(-1)).to.include({ sender: DEMO.operator.oid, unit: DEMO.hoiva.unit, custodian: DEMO.region.oid, ack: 'AA' });

      const regionText = await auditText(DEMO.region.oid);
      expect(verifyChain(regionText).valid).to.equal(true);
      for (const h of HETUS) expect(regionText).to.not.contain(h);
      const inRegion = lines(regionText).filter((l) => l.action === 'disclosure');
      const inHoiva = await disclosures(DEMO.hoiva.oid);
      expect(inRegion).to.have.length(before.region + 1);
      expect(inHoiva).to.have.length(before.hoiva + 1);
      const entry = inRegion.at(-1)!;
      expect(entry).to.deep.include({ actor: { kind: 'tenant', id: 'hoiva' }, code: 'found', documentId: relationship.withRight, actingOrganisation: DEMO.hoiva.oid });
      expect(entry.details).to.deep.include({ registry: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, outcome: 'found', channel: 'rest' });
      expect(entry.details!.queryMessageId).to.match(/^[0-9.]+\^\d+$/);
      expect(entry.clientKey).to.be.a('string').and.have.length.greaterThan(16);
      expect(inHoiva.at(-1)).to.deep.include({ controller: DEMO.region.oid, code: 'found', clientKey: entry.clientKey });
    });

    it('answers the organizer every period, and tells it (only it) that a client has no relationship', async () => {
      const own = await ask(env.tokens.region, { custodian: DEMO.region.oid, askingUnit: DEMO.region.unit, client: { root: '1.2.246.21', extension: withRight } });
      const ownBody = (await own.json()) as Record<string, unknown>;
      expect(own.status, JSON.stringify(ownBody)).to.equal(200);
      expect(ownBody).to.deep.include({ outcome: 'found', role: 'organizer' });
      expect(ownBody.rights).to.deep.equal({ [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }, { unit: DEMO.perhe.unit, start: '2026-10-01' }] });
      const none = await ask(env.tokens.region, { custodian: DEMO.region.oid, askingUnit: DEMO.region.unit, client: { extension: nobody } });
      expect(none.status).to.equal(200);
      const noneBody = await none.json();
      expect(clientQueryAnswerSchema.safeParse(noneBody).success).to.equal(true);
      expect(noneBody).to.deep.equal({ outcome: 'not-found', custodian: DEMO.region.oid, role: 'organizer' });
      const last = (await disclosures(DEMO.region.oid)).at(-1)!;
      expect(last).to.deep.include({ code: 'not-found', actor: { kind: 'tenant', id: 'region' } });
      expect(last).to.not.have.property('actingOrganisation');
    });

    it('refuses a unit the tenant does not act for with a code: nothing relayed, logged or stored', async () => {
      const before = { archive: queriesAtArchive().length, region: (await disclosures(DEMO.region.oid)).length, hoiva: (await disclosures(DEMO.hoiva.oid)).length, rko: (await redis.keys('kgw:rko:*')).length };
      const foreign = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.region.unit, client: { extension: withRight } });
      const foreignBody = (await foreign.json()) as { error: Record<string, unknown> };
      expect(foreign.status).to.equal(403);
      expect(foreignBody.error.code).to.equal('QUERY_UNIT_FOREIGN');
      // The same refusal for a client that does not exist anywhere, and for a unit that is in no register.
      const absent = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.region.unit, client: { extension: nobody } });
      expect(absent.status).to.equal(403);
      expect(withoutErrorId((await absent.json()) as { error: Record<string, unknown> })).to.deep.equal(withoutErrorId(foreignBody));
      const unknownUnit = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: '1.2.246.10.22222222.10.404', client: { extension: withRight } });
      expect(((await unknownUnit.json()) as { error: { code: string } }).error.code).to.equal('QUERY_UNIT_FOREIGN');
      // A registry the tenant has no contract in: refused before the archive too.
      const noContract = await ask(env.tokens.perhe, { custodian: DEMO.hoiva.oid, askingUnit: DEMO.perhe.unit, client: { extension: withRight } });
      expect(noContract.status).to.equal(403);
      expect(((await noContract.json()) as { error: { code: string } }).error.code).to.equal('QUERY_CUSTODIAN_FOREIGN');

      expect(queriesAtArchive()).to.have.length(before.archive);
      expect(await disclosures(DEMO.region.oid)).to.have.length(before.region);
      expect(await disclosures(DEMO.hoiva.oid)).to.have.length(before.hoiva);
      expect(await redis.keys('kgw:rko:*')).to.have.length(before.rko);
    });

    it('gives a provider without a right the same refusal whether or not the client exists', async () => {
      const before = { archive: queriesAtArchive().length, region: (await disclosures(DEMO.region.oid)).length };
      const exists = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: withoutRight } });
      const absent = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: nobody } });
      expect([exists.status, absent.status]).to.deep.equal([403, 403]);
      const [e, a] = (await Promise.all([exists.json(), absent.json()])) as Array<{ error: Record<string, unknown> }>;
      expect(e!.error.code).to.equal('QUERY_NOT_PERMITTED');
      expect(withoutErrorId(a!)).to.deep.equal(withoutErrorId(e!));
      expect([...exists.headers.keys()].sort()).to.deep.equal([...absent.headers.keys()].sort());
      // Both took the same way: relayed, answered, one disclosure entry each, nothing learned.
      expect(queriesAtArchive().slice(before.archive).map((q) => q.code)).to.deep.equal(['QUERY_FORBIDDEN', 'QUERY_FORBIDDEN']);
      const added = (await disclosures(DEMO.region.oid)).slice(before.region);
      expect(added.map((d) => [d.code, d.details?.outcome])).to.deep.equal([['not-permitted', 'not-permitted'], ['not-permitted', 'not-permitted']]);
      expect(added[0]!.clientKey).to.not.equal(added[1]!.clientKey);
    });

    it('refuses bad input with codes and never echoes a hetu', async () => {
      const bad = `${withRight.slice(0, -1)}${withRight.endsWith('A') ? 'B' : 'A'}`;
      const before = queriesAtArchive().length;
      const checksum = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: bad } });
      const checksumText = await checksum.text();
      expect(checksum.status).to.equal(400);
      expect(JSON.parse(checksumText).error.code).to.equal('INTAKE_INVALID_HETU');
      expect(checksumText).to.not.contain(bad);
      const person = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: withRight }, actingPerson: { extension: bad } });
      expect(((await person.json()) as { error: { code: string } }).error.code).to.equal('INTAKE_INVALID_HETU');
      for (const body of [{ custodian: DEMO.region.oid, client: { extension: withRight } }, { custodian: 'not-an-oid', askingUnit: DEMO.hoiva.unit, client: { extension: withRight } }, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: withRight }, hetu: withRight }]) {
        const r = await ask(env.tokens.hoiva, body);
        const text = await r.text();
        expect(r.status, text).to.equal(400);
        expect(JSON.parse(text).error.code).to.equal('REQUEST_INVALID');
        expect(text).to.not.contain(withRight);
      }
      // The demo access point is the customer-test environment: a real person's code never leaves the gateway.
      const realPerson = makeHetu(12, 3, 2011, 123);
      const real = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: realPerson } });
      const realText = await real.text();
      expect(real.status).to.equal(400);
      expect(JSON.parse(realText).error.code).to.equal('INTAKE_TEST_PERSON_REQUIRED');
      expect(realText).to.not.contain(realPerson);
      const anonymous = await fetch(`${gw.url}/v1/client-queries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).to.equal(401);
      expect(queriesAtArchive()).to.have.length(before);
    });
  });

  describe('Kanta-native: a certified client system sends its own RCMR_IN200010FI01', () => {
    it('gets the archive\'s answer re-addressed to it (soap npm client), with one disclosure entry', async () => {
      const before = { archive: queriesAtArchive().length, region: (await disclosures(DEMO.region.oid)).length };
      const client = await soap.createClientAsync(`${soapBase}/soap/hoiva?wsdl`);
      expect(Object.keys(client.describe().GatewayQueryService.GatewayQueryPort)).to.deep.equal(['QueryClientRelationship']);
      const { xml, messageId } = tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu: withRight, actingPerson: { root: '1.2.246.21', extension: makeHetu(1, 1, 1980, 931) } });
      const [result, rawResponse] = (await client.QueryClientRelationshipAsync({ _xml: xml })) as [Record<string, unknown>, string];
      expect(result, 'the soap client read an answer').to.be.an('object');
      const answer = readAnswer(rawResponse);
      expect(answer).to.deep.include({ root: 'RCMR_IN200011FI01', typeCode: 'AA', receiver: TENANT_SYSTEM, sender: KANTA_RECEIVER });
      expect(answer.target).to.deep.equal({ root: TENANT_SYSTEM, extension: messageId });
      expect(answer.messageId).to.not.equal(messageId);
      // The archive's document, exactly as archived, in the archive's own convention.
      const parsed = parseClientRelationshipAnswer(answer.el);
      expect(parsed.documentId).to.equal(relationship.withRight);
      expect(parsed.cda!.equals(env.double.archivedDocument(relationship.withRight)!)).to.equal(true);
      // The archive heard the gateway (its own sender id and a new message id), not the tenant's frame.
      const seen = queriesAtArchive();
      expect(seen).to.have.length(before.archive + 1);
      expect(seen.at(-1)).to.include({ sender: DEMO.operator.oid, unit: DEMO.hoiva.unit, ack: 'AA' });
      const added = (await disclosures(DEMO.region.oid)).slice(before.region);
      expect(added).to.have.length(1);
      expect(added[0]!.details).to.deep.include({ channel: 'kanta-native', outcome: 'found', askingUnit: DEMO.hoiva.unit });
      expect(added[0]!.details!.actingPersonKey).to.be.a('string');
      const text = await auditText(DEMO.region.oid);
      expect(text).to.not.contain(makeHetu(1, 1, 1980, 931));
    });

    it('answers refusals in Kanta format with the gateway\'s codes: foreign unit not relayed, not-permitted the same for an absent client', async () => {
      const before = { archive: queriesAtArchive().length, region: (await disclosures(DEMO.region.oid)).length };
      const foreign = tenantQueryMessage({ askingUnit: DEMO.region.unit, custodian: DEMO.region.oid, hetu: withRight });
      const r1 = await postSoap('hoiva', soapWrapped(foreign.xml), { soapaction: '"urn:hl7-org:v3/RCMR_IN200010FI01"' });
      expect(r1.status).to.equal(200);
      const a1 = readAnswer(await r1.text());
      expect(a1).to.deep.include({ typeCode: 'AE', detailCode: 'QUERY_UNIT_FOREIGN', detailSystem: gw.config().config.kanta.codes.gatewayDetailCodeSystem });
      expect(a1.target).to.deep.equal({ root: TENANT_SYSTEM, extension: foreign.messageId });
      expect(queriesAtArchive()).to.have.length(before.archive);
      expect(await disclosures(DEMO.region.oid)).to.have.length(before.region);

      const texts: string[] = [];
      for (const hetu of [withoutRight, nobody]) {
        const r = await postSoap('hoiva', soapWrapped(tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu }).xml));
        expect(r.status).to.equal(200);
        texts.push(await r.text());
      }
      const [exists, absent] = texts.map(readAnswer);
      expect(exists).to.deep.include({ typeCode: 'AE', detailCode: 'QUERY_NOT_PERMITTED' });
      expect(comparable(texts[1]!)).to.equal(comparable(texts[0]!));
      expect(absent!.detailCode).to.equal('QUERY_NOT_PERMITTED');
      for (const t of texts) for (const h of HETUS) expect(t).to.not.contain(h);
      expect(queriesAtArchive()).to.have.length(before.archive + 2);
      expect((await disclosures(DEMO.region.oid)).slice(before.region).map((d) => d.code)).to.deep.equal(['not-permitted', 'not-permitted']);
      // Only the organizer, in its own registry, hears the archive's own NOT_FOUND.
      const own = await postSoap('region', soapWrapped(tenantQueryMessage({ askingUnit: DEMO.region.unit, custodian: DEMO.region.oid, hetu: nobody }).xml));
      expect(readAnswer(await own.text())).to.deep.include({ typeCode: 'AE', detailCode: 'NOT_FOUND' });
    });

    it('codes bad input: an unreadable envelope is a SOAP Fault, a readable but wrong query an AR naming the part', async () => {
      const before = queriesAtArchive().length;
      const noPatientXml = () => tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu: withRight }).xml;
      const broken = await postSoap('hoiva', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x');
      expect(broken.status).to.equal(500);
      const fault = unwrapResponse(parseResponseXml(await broken.text()));
      expect(fault).to.deep.include({ kind: 'fault', side: 'Client', detail: 'INTAKE_MALFORMED_XML' });
      const dtd = await postSoap('hoiva', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]>${soapWrapped('<x/>').replace(/^<\?xml[^>]*>/, '')}`);
      expect(unwrapResponse(parseResponseXml(await dtd.text()))).to.deep.include({ kind: 'fault', detail: 'INTAKE_DTD_FORBIDDEN' });
      const plain = await postSoap('hoiva', soapWrapped('<x/>'), { 'content-type': 'application/json' });
      expect(plain.status).to.equal(415);
      const deep = await postSoap('hoiva', soapWrapped(`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`));
      expect(unwrapResponse(parseResponseXml(await deep.text()))).to.deep.include({ kind: 'fault', side: 'Client', detail: 'INTAKE_XML_TOO_DEEP' });
      // The soap client meets a fault as an error carrying it (here: two messages in one Body).
      const client = await soap.createClientAsync(`${soapBase}/soap/hoiva?wsdl`);
      const err = await client.QueryClientRelationshipAsync({ _xml: `${noPatientXml()}${noPatientXml()}` }).then(
        () => undefined,
        (e: unknown) => e as { root?: { Envelope?: { Body?: { Fault?: { faultcode?: string; detail?: { code?: unknown } } } } } },
      );
      expect(err?.root?.Envelope?.Body?.Fault?.faultcode, 'the soap client raised the fault').to.equal('soapenv:Client');

      const noPatient = tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu: withRight });
      const r = await postSoap('hoiva', soapWrapped(noPatient.xml.replace(/<patientId>.*<\/patientId>/, '')));
      const a = readAnswer(await r.text());
      expect(a).to.deep.include({ typeCode: 'AR', detailCode: 'QUERY_INVALID', location: '/*/controlActProcess/queryByParameter/patientId/value' });
      expect(a.target.extension).to.equal(noPatient.messageId);
      const badHetu = tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu: `${withRight.slice(0, -1)}${withRight.endsWith('A') ? 'B' : 'A'}` });
      const rh = await postSoap('hoiva', soapWrapped(badHetu.xml));
      const hetuText = await rh.text();
      expect(readAnswer(hetuText)).to.deep.include({ typeCode: 'AR', detailCode: 'INTAKE_INVALID_HETU' });
      expect(hetuText).to.not.contain(badHetu.xml.match(/extension="([^"]+)"\/><\/patientId>/)![1]);
      const wrongAction = await postSoap('hoiva', soapWrapped(noPatient.xml), { soapaction: '"urn:hl7-org:v3/RCMR_IN200002FI01"' });
      expect(unwrapResponse(parseResponseXml(await wrongAction.text()))).to.deep.include({ kind: 'fault', detail: 'QUERY_INVALID' });
      expect(queriesAtArchive()).to.have.length(before);
    });
  });

  // Mocha runs a suite's own tests before its nested suites: these two must come after both.
  describe('outage, and the log afterwards', () => {
    it('passes an archive outage on as retryable: REST 503, Kanta-native a Server fault, no disclosure entry', async () => {
      const before = (await disclosures(DEMO.region.oid)).length;
      env.double.setFaults({ maintenanceSeconds: 60 });
      try {
        const rest = await ask(env.tokens.hoiva, { custodian: DEMO.region.oid, askingUnit: DEMO.hoiva.unit, client: { extension: withRight } });
        expect(rest.status).to.equal(503);
        expect(((await rest.json()) as { error: { code: string } }).error.code).to.equal('KANTA_UNAVAILABLE');
        const native = await postSoap('hoiva', soapWrapped(tenantQueryMessage({ askingUnit: DEMO.hoiva.unit, custodian: DEMO.region.oid, hetu: withRight }).xml));
        expect(native.status).to.equal(503);
        expect(unwrapResponse(parseResponseXml(await native.text()))).to.deep.include({ kind: 'fault', side: 'Server', detail: 'KANTA_UNAVAILABLE' });
      } finally {
        env.double.setFaults({});
      }
      expect(await disclosures(DEMO.region.oid)).to.have.length(before);
    });

    it('wrote no hetu into any log line (client, acting person, refused values)', () => {
      expect(logged.length, 'the gateway logged at debug level').to.be.greaterThan(0);
      const all = logged.join('');
      for (const h of [...HETUS, makeHetu(1, 1, 1980, 931)]) expect(all).to.not.contain(h);
      expect(all).to.not.contain(withRight.slice(0, -1));
    });
  });
});
