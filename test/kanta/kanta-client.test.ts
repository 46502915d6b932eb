import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { DOMParser } from '@xmldom/xmldom';
import { KantaClient } from '../../adapters/kanta/kanta-client.ts';
import type { KantaClientOptions } from '../../adapters/kanta/kanta-client.ts';
import { buildMultipartRelated } from '../../adapters/kanta/mime.ts';
import { GatewayError, errorCodeOf } from '../../domain/errors.ts';
import { startServer } from './helpers/local-server.ts';
import type { Handler, LocalServer, RecordedRequest } from './helpers/local-server.ts';
import { makeTestPki } from './helpers/test-pki.ts';
import type { TestPki } from './helpers/test-pki.ts';
import { HETU, MSG_ROOT, ORG, UNIT, accessPoint, ackFor, codes, sampleDocument, soapFault, soapWrap } from './helpers/fixtures.ts';

const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
  res.end(body);
}

/** The HL7 message inside whatever the client posted (SOAP Body first child, or the bare root). */
function hl7Of(req: RecordedRequest): Element {
  const doc = new DOMParser().parseFromString(req.body, 'application/xml') as unknown as Document;
  const root = doc.documentElement;
  if (root.namespaceURI !== SOAP_NS) return root;
  const body = Array.from(root.childNodes as unknown as Node[]).find((n) => n.nodeType === 1 && (n as Element).localName === 'Body') as Element;
  return Array.from(body.childNodes as unknown as Node[]).find((n) => n.nodeType === 1) as Element;
}

describe('KantaClient', function () {
  this.timeout(20_000);
  const cleanup: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((x) => x.close()));
  });

  async function setup(handler: Handler, binding: 'soap' | 'plain' = 'soap', over: Record<string, unknown> = {}, opts: KantaClientOptions = {}): Promise<{ server: LocalServer; client: KantaClient }> {
    const server = await startServer(handler);
    const client = new KantaClient(accessPoint({ url: server.url, binding, connectTimeoutMs: 1000, responseTimeoutMs: 1000, ...over }), codes(), opts);
    cleanup.push(client, server);
    return { server, client };
  }

  describe('bindings', () => {
    it('SOAP: POST text/xml with SOAPAction, the built HL7 message as the Body; AA → archived', async () => {
      const { server, client } = await setup((req, res) => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))));
      const doc = sampleDocument();
      const outcome = await client.send(doc);
      expect(outcome.action).to.equal('archived');
      expect(outcome.httpStatus).to.equal(200);
      expect(outcome.error).to.equal(undefined);
      expect(outcome.transportFailure).to.equal(false);
      expect(outcome.messageId).to.match(/^\d+$/);
      expect(outcome.ack?.targetMessageId).to.deep.equal({ root: MSG_ROOT, extension: outcome.messageId });
      expect(outcome.durationMs).to.be.greaterThan(0);
      const req = server.requests[0]!;
      expect(req.method).to.equal('POST');
      expect(req.url).to.equal('/kanta/archive');
      expect(req.headers['content-type']).to.equal('text/xml; charset=utf-8');
      expect(req.headers.soapaction).to.equal('"urn:hl7-org:v3/RCMR_IN200002FI01"');
      expect(req.body.startsWith(`<soapenv:Envelope xmlns:soapenv="${SOAP_NS}"><soapenv:Header/><soapenv:Body><RCMR_IN200002FI01 `)).to.equal(true);
      const hl7 = hl7Of(req);
      expect(hl7.localName).to.equal('RCMR_IN200002FI01');
      expect(hl7.namespaceURI).to.equal('urn:hl7-org:v3');
    });

    it('plain: POST application/xml with the bare HL7 message and no SOAPAction; bare ack → archived', async () => {
      const { server, client } = await setup((req, res) => reply(res, 200, ackFor(req.body, 'AA')), 'plain');
      const outcome = await client.send(sampleDocument({ operation: 'version', parent: { id: `${ORG}.95.1`, setId: `${ORG}.95.1`, versionNumber: 1 } }));
      expect(outcome.action).to.equal('archived');
      const req = server.requests[0]!;
      expect(req.headers['content-type']).to.equal('application/xml');
      expect(req.headers.soapaction).to.equal(undefined);
      expect(req.body.startsWith('<RCMR_IN200016FI01 xmlns="urn:hl7-org:v3"')).to.equal(true);
    });

    it('a resend gets a new message id and the same document id', async () => {
      const { server, client } = await setup((req, res) => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))));
      const doc = sampleDocument();
      const a = await client.send(doc);
      const b = await client.send(doc);
      expect(a.messageId).to.not.equal(b.messageId);
      const ids = server.requests.map((r) => /<clinicalDocument[^>]*>.*?<id root="([^"]+)"/.exec(r.body)![1]);
      expect(ids).to.deep.equal([doc.metadata.documentId, doc.metadata.documentId]);
    });

    it('an injected message id factory and clock are used', async () => {
      const { server, client } = await setup((req, res) => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))), 'soap', {}, {
        messageIdFactory: () => '777',
        now: () => new Date('2026-01-02T03:04:05Z'),
      });
      const outcome = await client.send(sampleDocument());
      expect(outcome.messageId).to.equal('777');
      expect(server.requests[0]!.body).to.contain(`<id root="${MSG_ROOT}" extension="777"/><creationTime value="20260102050405+0200"/>`);
    });
  });

  describe('outcomes', () => {
    const cases: { name: string; handler: Handler; action: string; code?: string; transportFailure: boolean; httpStatus?: number; check?: (o: Awaited<ReturnType<KantaClient['send']>>) => void }[] = [
      { name: 'AA ALREADY_ARCHIVED → archived', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AA', [{ typeCode: 'I', code: 'ALREADY_ARCHIVED' }]))), action: 'archived', transportFailure: false, check: (o) => expect(o.decidedBy).to.equal('ALREADY_ARCHIVED') },
      { name: 'AE REGISTRY_ACCESS_POINT_ORGANISATION → park-controller', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AE', [{ typeCode: 'E', code: 'REGISTRY_ACCESS_POINT_ORGANISATION', text: 'access point not authorised' }]))), action: 'park-controller', code: 'KANTA_CONTROLLER_BLOCKED', transportFailure: false, check: (o) => expect(o.error?.message).to.equal('access point not authorised') },
      { name: 'AE SIGNATURE_CERT_UNTRUSTED (may be a tenant signature) → park, never park-controller', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AE', [{ typeCode: 'E', code: 'SIGNATURE_CERT_UNTRUSTED', text: 'untrusted' }]))), action: 'park', code: 'KANTA_APPLICATION_ERROR', transportFailure: false },
      { name: 'AR unknown code → reject', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AR', [{ typeCode: 'E', code: 'SOMETHING_NEW' }]))), action: 'reject', code: 'KANTA_REJECTED', transportFailure: false },
      { name: 'AE VERSION_UNKNOWN_SET → retry', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AE', [{ typeCode: 'E', code: 'VERSION_UNKNOWN_SET' }]))), action: 'retry', code: 'KANTA_ACK_TRANSIENT', transportFailure: false },
      { name: 'server never answers → retry KANTA_TIMEOUT', handler: () => undefined, action: 'retry', code: 'KANTA_TIMEOUT', transportFailure: true },
      { name: 'server resets → retry KANTA_CONNECTION', handler: (_q, r) => r.socket?.destroy(), action: 'retry', code: 'KANTA_CONNECTION', transportFailure: true },
      { name: '503 with Retry-After → retry KANTA_UNAVAILABLE, seconds kept', handler: (_q, r) => reply(r, 503, soapFault('soapenv:Server', 'break'), { 'retry-after': '120' }), action: 'retry', code: 'KANTA_UNAVAILABLE', transportFailure: true, httpStatus: 503, check: (o) => expect(o.error?.retryAfterSeconds).to.equal(120) },
      { name: '500 with an HTML page → retry KANTA_HTTP_5XX', handler: (_q, r) => reply(r, 500, '<html><body>oops'), action: 'retry', code: 'KANTA_HTTP_5XX', transportFailure: true, httpStatus: 500 },
      { name: '404 → park KANTA_HTTP_4XX', handler: (_q, r) => reply(r, 404, 'not here'), action: 'park', code: 'KANTA_HTTP_4XX', transportFailure: false, httpStatus: 404 },
      { name: 'garbage 200 → retry KANTA_BAD_RESPONSE', handler: (_q, r) => reply(r, 200, '\u0000garbage<<'), action: 'retry', code: 'KANTA_BAD_RESPONSE', transportFailure: true, httpStatus: 200 },
      { name: 'empty 200 → retry KANTA_BAD_RESPONSE', handler: (_q, r) => reply(r, 200, ''), action: 'retry', code: 'KANTA_BAD_RESPONSE', transportFailure: true },
      { name: 'ack with a DOCTYPE → retry KANTA_BAD_RESPONSE', handler: (q, r) => reply(r, 200, `<!DOCTYPE x [<!ENTITY e "e">]>${ackFor(q.body, 'AA')}`), action: 'retry', code: 'KANTA_BAD_RESPONSE', transportFailure: true },
      { name: 'ack for another message → retry KANTA_BAD_RESPONSE', handler: (q, r) => reply(r, 200, soapWrap(ackFor(q.body, 'AA', [], { target: { root: MSG_ROOT, extension: '1' } }))), action: 'retry', code: 'KANTA_BAD_RESPONSE', transportFailure: true },
      { name: 'SOAP Fault Client (HTTP 500) → park KANTA_HTTP_4XX', handler: (_q, r) => reply(r, 500, soapFault('soapenv:Client', 'bad request')), action: 'park', code: 'KANTA_HTTP_4XX', transportFailure: false, httpStatus: 500, check: (o) => expect(o.decidedBy).to.equal('soapenv:Client') },
      { name: 'SOAP Fault Server (HTTP 500) → retry KANTA_HTTP_5XX', handler: (_q, r) => reply(r, 500, soapFault('soapenv:Server', 'busy')), action: 'retry', code: 'KANTA_HTTP_5XX', transportFailure: true, httpStatus: 500 },
      { name: '403 + Client fault naming ACCESS_POINT_NOT_REGISTERED → park-controller', handler: (_q, r) => reply(r, 403, soapFault('soapenv:Client', 'ACCESS_POINT_NOT_REGISTERED')), action: 'park-controller', code: 'KANTA_CONTROLLER_BLOCKED', transportFailure: false, httpStatus: 403 },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { client } = await setup(c.handler, 'soap', { responseTimeoutMs: 300, connectTimeoutMs: 300 });
        const outcome = await client.send(sampleDocument());
        expect(outcome.action).to.equal(c.action);
        expect(outcome.error?.code).to.equal(c.code);
        expect(outcome.transportFailure).to.equal(c.transportFailure);
        if (c.httpStatus !== undefined) expect(outcome.httpStatus).to.equal(c.httpStatus);
        c.check?.(outcome);
      });
    }

    it('a version without an RPLC parent throws a coded error and sends nothing', async () => {
      const { server, client } = await setup((req, res) => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))));
      let caught: unknown;
      try {
        await client.send(sampleDocument({ operation: 'version' }));
      } catch (err) {
        caught = err;
      }
      expect(errorCodeOf(caught)).to.equal('INTAKE_MISSING_FIELD');
      expect(server.requests).to.have.length(0);
    });

    it('many sends in flight over one pool: each outcome matches its own ack', async () => {
      // The server answers in reverse arrival order of a burst, acking each request's own message id.
      const pending: (() => void)[] = [];
      const { server, client } = await setup((req, res) => {
        pending.push(() => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))));
        if (pending.length === 40) pending.reverse().forEach((f) => f());
      }, 'soap', { maxConnections: 40, responseTimeoutMs: 5000 });
      const outcomes = await Promise.all(Array.from({ length: 40 }, () => client.send(sampleDocument())));
      expect(outcomes.every((o) => o.action === 'archived')).to.equal(true);
      expect(new Set(outcomes.map((o) => o.messageId)).size).to.equal(40);
      for (const o of outcomes) expect(o.ack?.targetMessageId?.extension).to.equal(o.messageId);
      expect(server.requests).to.have.length(40);
    });
  });

  describe('mutual TLS from access point config', () => {
    let pki: TestPki;
    before(() => {
      pki = makeTestPki();
      writeFileSync(join(pki.dir, 'ap-client.pem'), pki.client.certPem);
      writeFileSync(join(pki.dir, 'ap-client.key'), pki.client.keyPem);
      writeFileSync(join(pki.dir, 'ap-ca.pem'), pki.caPem);
    });
    after(() => pki.cleanup());

    const mtls = () => startServer((req, res) => reply(res, 200, soapWrap(ackFor(req.body, 'AA'))), { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true });

    it('PEM files named in ap.tls (certFile, keyFile, caFile) → archived, server saw the access point identity', async () => {
      const server = await mtls();
      cleanup.push(server);
      const ap = accessPoint({ url: server.url, tls: { client: { certFile: join(pki.dir, 'ap-client.pem'), keyFile: join(pki.dir, 'ap-client.key') }, caFile: join(pki.dir, 'ap-ca.pem') } });
      const client = new KantaClient(ap, codes());
      cleanup.push(client);
      expect((await client.send(sampleDocument())).action).to.equal('archived');
      expect(server.requests[0]!.clientSubject).to.contain('1.2.246.10.99999999.10.0');
    });

    it('an injected identity (as certs/keystore.ts loads from PKCS#12) wins over the config', async () => {
      const server = await mtls();
      cleanup.push(server);
      const ap = accessPoint({ url: server.url, tls: { client: { p12File: '/nonexistent.p12' } } });
      const client = new KantaClient(ap, codes(), { tlsClient: pki.client, caPem: pki.caPem });
      cleanup.push(client);
      expect((await client.send(sampleDocument())).action).to.equal('archived');
    });

    it('without a client identity the server refuses → retry with a coded TLS/connection error', async () => {
      const server = await mtls();
      cleanup.push(server);
      const client = new KantaClient(accessPoint({ url: server.url }), codes(), { caPem: pki.caPem });
      cleanup.push(client);
      const outcome = await client.send(sampleDocument());
      expect(outcome.action).to.equal('retry');
      expect(outcome.error?.code).to.be.oneOf(['KANTA_TLS_HANDSHAKE', 'KANTA_CONNECTION']);
      expect(outcome.transportFailure).to.equal(true);
    });

    it('configuration problems fail at construction with coded errors', () => {
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (err) {
          return (err as GatewayError).code;
        }
        return undefined;
      };
      expect(code(() => new KantaClient(accessPoint({ tls: { client: { p12File: '/x.p12' } } }), codes()))).to.equal('CERT_LOAD_FAILED');
      expect(code(() => new KantaClient(accessPoint({ tls: { client: { certFile: '/nonexistent.pem', keyFile: '/nonexistent.key' } } }), codes()))).to.equal('CERT_LOAD_FAILED');
      expect(code(() => new KantaClient(accessPoint(), codes(), { tlsClient: { certPem: pki.client.certPem, keyPem: pki.server.keyPem } }))).to.equal('CERT_KEY_MISMATCH');
      expect(code(() => new KantaClient(accessPoint({ tls: { client: { certFile: join(pki.dir, 'ap-client.pem'), keyFile: join(pki.dir, 'ap-client.key'), keyPasswordEnv: 'KANTA_TEST_UNSET_VARIABLE' } } }), codes()))).to.equal('CERT_LOAD_FAILED');
    });
  });

  describe('query "Hae asiakkuus" (kanta-binding.md §5)', () => {
    const query = { organizer: ORG, client: { root: '1.2.246.21', extension: HETU }, askingUnit: UNIT };

    function answer(reqBody: string, typeCode: string, details: { typeCode?: string; code?: string }[], cda?: { id: string; bytes: Buffer }): string {
      const ack = ackFor(reqBody, typeCode, details, { root: 'RCMR_IN200011FI01' });
      if (!cda) return soapWrap(ack);
      const mime = buildMultipartRelated(cda.id, cda.bytes).replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
      const subject = `<controlActProcess classCode="CACT" moodCode="EVN"><subject><clinicalDocument classCode="DOCCLIN" moodCode="EVN"><id root="${cda.id}"/><text mediaType="multipart/related">${mime}</text></clinicalDocument></subject></controlActProcess>`;
      return soapWrap(ack.replace('</RCMR_IN200011FI01>', `${subject}</RCMR_IN200011FI01>`));
    }

    it('found: the asiakkuusasiakirja bytes come back exactly; the request is the §5 query', async () => {
      const doc = sampleDocument({ group: '1' });
      const bytes = Buffer.from(doc.signedCda.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
      const { server, client } = await setup((req, res) => reply(res, 200, answer(req.body, 'AA', [], { id: doc.metadata.documentId, bytes })));
      const a = await client.queryClientRelationship(query);
      expect(a.found).to.equal(true);
      expect(a.forbidden).to.equal(undefined);
      expect(a.documentId).to.equal(doc.metadata.documentId);
      expect(a.cda!.equals(bytes)).to.equal(true);
      expect(a.ack.interaction).to.equal('RCMR_IN200011FI01');
      const req = server.requests[0]!;
      expect(req.headers.soapaction).to.equal('"urn:hl7-org:v3/RCMR_IN200010FI01"');
      expect(hl7Of(req).localName).to.equal('RCMR_IN200010FI01');
    });

    it('not found: AE NOT_FOUND', async () => {
      const { client } = await setup((req, res) => reply(res, 200, answer(req.body, 'AE', [{ typeCode: 'E', code: 'NOT_FOUND' }])));
      const a = await client.queryClientRelationship(query);
      expect(a.found).to.equal(false);
      expect(a.forbidden).to.equal(undefined);
      expect(a.cda).to.equal(undefined);
    });

    it('forbidden: AE QUERY_FORBIDDEN', async () => {
      const { client } = await setup((req, res) => reply(res, 200, answer(req.body, 'AE', [{ typeCode: 'E', code: 'QUERY_FORBIDDEN' }])));
      const a = await client.queryClientRelationship(query);
      expect(a).to.deep.include({ found: false, forbidden: true });
    });

    it('other refusals, AA without a document and transport failures throw coded errors', async () => {
      const expectCode = async (handler: Handler, code: string) => {
        const { client } = await setup(handler, 'soap', { responseTimeoutMs: 300 });
        let caught: unknown;
        try {
          await client.queryClientRelationship(query);
        } catch (err) {
          caught = err;
        }
        expect(errorCodeOf(caught)).to.equal(code);
      };
      await expectCode((req, res) => reply(res, 200, answer(req.body, 'AR', [{ typeCode: 'E', code: 'QUERY_MISSING_PARAMETER' }])), 'KANTA_REJECTED');
      await expectCode((req, res) => reply(res, 200, answer(req.body, 'AA', [])), 'KANTA_BAD_RESPONSE');
      await expectCode((_req, res) => reply(res, 503, ''), 'KANTA_UNAVAILABLE');
      await expectCode((_req, res) => reply(res, 500, soapFault('soapenv:Server', 'x')), 'KANTA_HTTP_5XX');
      await expectCode(() => undefined, 'KANTA_TIMEOUT');
    });
  });
});
