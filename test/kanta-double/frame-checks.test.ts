// Checks 2–4 and 11 of kanta.md: transmission wrapper, reason codes, MIME payload and frame/document
// consistency, and the shape of the acknowledgement. One refused message per detail code.
import { expect } from 'chai';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { AP1, HETU, HETU_2, ORG_P, UNIT_A, baseOptions, frameFor, makeDoc, post } from './support/double-fixture.ts';
import type { PostResult } from './support/double-fixture.ts';
import { newMessageId, soapWrap } from './support/test-frame.ts';

interface Case {
  name: string;
  ack: 'AE' | 'AR';
  code: string;
  send: (d: KantaDouble) => Promise<PostResult>;
}

const doc5 = () => makeDoc();
const CASES: Case[] = [
  { name: 'root element differs from interactionId', ack: 'AR', code: 'FRAME_ROOT_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { rootElement: 'RCMR_IN200016FI01' })) },
  { name: 'interactionId root is not the HL7 one', ack: 'AR', code: 'FRAME_INTERACTION_ROOT', send: (d) => post(d.url, frameFor(doc5(), { interactionRoot: '1.2.3' })) },
  { name: 'ITSVersion missing', ack: 'AR', code: 'FRAME_ITS_VERSION', send: (d) => post(d.url, frameFor(doc5(), { itsVersion: null })) },
  { name: 'message id missing', ack: 'AR', code: 'FRAME_MESSAGE_ID_MISSING', send: (d) => post(d.url, frameFor(doc5(), { messageId: null })) },
  { name: 'creationTime missing', ack: 'AR', code: 'FRAME_CREATION_TIME', send: (d) => post(d.url, frameFor(doc5(), { creationTime: null })) },
  { name: 'creationTime without a clock', ack: 'AR', code: 'FRAME_CREATION_TIME', send: (d) => post(d.url, frameFor(doc5(), { creationTime: '20260915' })) },
  { name: 'processingCode unknown', ack: 'AR', code: 'FRAME_PROCESSING_CODE', send: (d) => post(d.url, frameFor(doc5(), { processingCode: 'X' })) },
  { name: 'acceptAckCode unknown', ack: 'AR', code: 'FRAME_ACCEPT_ACK_CODE', send: (d) => post(d.url, frameFor(doc5(), { acceptAckCode: 'XX' })) },
  { name: 'receiver is not the archive', ack: 'AR', code: 'FRAME_RECEIVER', send: (d) => post(d.url, frameFor(doc5(), { receiverId: '1.2.246.556.18007.9' })) },
  { name: 'sender is not a registered access point', ack: 'AR', code: 'FRAME_SENDER_UNKNOWN', send: (d) => post(d.url, frameFor(doc5(), { senderId: '1.2.246.10.66666666.10.0' })) },
  { name: 'interaction not served', ack: 'AR', code: 'FRAME_UNKNOWN_INTERACTION', send: (d) => post(d.url, frameFor(doc5(), { interaction: 'RCMR_IN999999FI01' })) },
  { name: 'body is not XML (plain binding answers an AR ack)', ack: 'AR', code: 'FRAME_MALFORMED_XML', send: (d) => post(d.plainUrl, '<RCMR_IN200002FI01', 'plain') },
  { name: 'DOCTYPE is refused', ack: 'AR', code: 'FRAME_MALFORMED_XML', send: (d) => post(d.plainUrl, `<!DOCTYPE x [<!ENTITY e "x">]>${frameFor(doc5())}`, 'plain') },
  { name: 'two palvelupyyntö codes', ack: 'AR', code: 'REASON_SERVICE_REQUEST_COUNT', send: (d) => post(d.url, frameFor(doc5(), { serviceRequests: ['SP17', 'SP17'] })) },
  { name: 'no palvelupyyntö code', ack: 'AR', code: 'REASON_SERVICE_REQUEST_COUNT', send: (d) => post(d.url, frameFor(doc5(), { serviceRequests: [] })) },
  { name: 'no käyttötilanne code', ack: 'AR', code: 'REASON_USAGE_SITUATION_COUNT', send: (d) => post(d.url, frameFor(doc5(), { usageSituations: [] })) },
  { name: 'two käyttötilanne codes', ack: 'AR', code: 'REASON_USAGE_SITUATION_COUNT', send: (d) => post(d.url, frameFor(doc5(), { usageSituations: ['1', '2'] })) },
  { name: 'unknown käyttötilanne', ack: 'AR', code: 'REASON_USAGE_SITUATION_UNKNOWN', send: (d) => post(d.url, frameFor(doc5(), { usageSituations: ['7'] })) },
  { name: 'SP17 on a client-relationship document', ack: 'AE', code: 'REASON_SERVICE_REQUEST_MISMATCH', send: (d) => post(d.url, frameFor(makeDoc({ documentGroup: '1' }), { serviceRequests: ['SP17'] })) },
  { name: 'SP1 on a group 5 document', ack: 'AE', code: 'REASON_SERVICE_REQUEST_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { serviceRequests: ['SP1'] })) },
  { name: 'archive SP on a version interaction', ack: 'AE', code: 'REASON_SERVICE_REQUEST_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { op: 'version', serviceRequests: ['SP17'] })) },
  { name: 'MIME text missing', ack: 'AR', code: 'MIME_MISSING', send: (d) => post(d.url, frameFor(doc5(), { mimeText: 'just text' })) },
  { name: 'MIME part is not Base64', ack: 'AR', code: 'MIME_BASE64', send: (d) => post(d.url, frameFor(doc5(), { mimeText: 'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: BASE64\r\nContent-ID: <1.2.3>\r\n\r\n@@not*base64@@\r\n--b--\r\n' })) },
  { name: 'Content-ID differs from the document id', ack: 'AR', code: 'MIME_CONTENT_ID', send: (d) => post(d.url, frameFor(doc5(), { contentId: '1.2.246.10.11111111.95.1' })) },
  { name: 'frame setId differs', ack: 'AR', code: 'FRAME_DOCUMENT_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { frameMeta: { setId: '1.2.246.10.11111111.95.2' } })) },
  { name: 'frame versionNumber differs', ack: 'AR', code: 'FRAME_DOCUMENT_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { frameMeta: { versionNumber: 2 } })) },
  { name: 'frame custodian differs', ack: 'AR', code: 'FRAME_DOCUMENT_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { frameMeta: { custodian: ORG_P } })) },
  { name: 'frame recordTarget differs', ack: 'AR', code: 'FRAME_DOCUMENT_MISMATCH', send: (d) => post(d.url, frameFor(doc5(), { frameMeta: { hetu: HETU_2 } })) },
  { name: 'frame document id differs', ack: 'AR', code: 'FRAME_DOCUMENT_MISMATCH', send: (d) => { const doc = doc5(); return post(d.url, frameFor(doc, { frameMeta: { id: '1.2.246.10.11111111.95.3' }, contentId: doc.meta.id })); } },
];

describe('kanta double: frame, reason-code and payload checks (kanta.md 2–4, 11)', () => {
  let double: KantaDouble;
  before(async () => { double = await startKantaDouble(baseOptions()); });
  after(async () => { await double.close(); });
  beforeEach(() => double.reset());

  for (const c of CASES) {
    it(`refuses: ${c.name} → ${c.ack} ${c.code}`, async () => {
      const r = await c.send(double);
      expect(r.status, r.body).to.equal(200);
      expect(r.ack, r.body).to.equal(c.ack);
      expect(r.code, r.body).to.equal(c.code);
      const seen = double.inspect();
      expect(seen.archived).to.have.length(0);
      expect(seen.rejectionsByCode[c.code]).to.equal(1);
    });
  }

  it('refuses a reused message id with AR even for a different document', async () => {
    const id = newMessageId();
    expect((await post(double.url, frameFor(makeDoc(), { messageId: id }))).ack).to.equal('AA');
    const r = await post(double.url, frameFor(makeDoc(), { messageId: id }));
    expect([r.ack, r.code]).to.deep.equal(['AR', 'FRAME_MESSAGE_ID_REUSED']);
    expect(double.inspect().archived).to.have.length(1);
  });

  it('answers a SOAP request that is not XML with a Client fault', async () => {
    const res = await fetch(double.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<soapenv:Envelope' });
    const body = await res.text();
    expect(res.status).to.equal(500);
    expect(body).to.include('<faultcode>soapenv:Client</faultcode>').and.include('FRAME_MALFORMED_XML');
  });

  it('answers a SOAP envelope without an HL7 message with a Client fault', async () => {
    const res = await fetch(double.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: soapWrap('') });
    expect(res.status).to.equal(500);
    expect(await res.text()).to.include('FRAME_SOAP_ENVELOPE');
  });

  it('refuses a SOAPAction naming another interaction', async () => {
    const r = await post(double.url, frameFor(makeDoc()), 'soap', { soapaction: '"urn:hl7-org:v3/RCMR_IN200016FI01"' });
    expect(r.status).to.equal(500);
    expect(r.body).to.include('FRAME_SOAP_ENVELOPE');
    const ok = await post(double.url, frameFor(makeDoc()), 'soap', { soapaction: '"urn:hl7-org:v3/RCMR_IN200002FI01"' });
    expect(ok.ack).to.equal('AA');
  });

  it('shapes acks per kanta-binding.md §4: target message id, detail typeCode E, fixed text, no personal data', async () => {
    const id = newMessageId();
    const r = await post(double.url, frameFor(makeDoc(), { messageId: id, frameMeta: { hetu: HETU_2 } }));
    expect(r.body).to.include('<MCCI_IN000002UV01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">');
    expect(r.body).to.include(`<targetMessage><id root="${id.root}" extension="${id.extension}"/></targetMessage>`);
    expect(r.body).to.match(/<acknowledgementDetail typeCode="E"><code code="FRAME_DOCUMENT_MISMATCH" codeSystem="1.2.246.537.5.40185.2026"\/><text>[^<]+<\/text><location>[^<]*recordTarget<\/location>/);
    expect(r.body).to.include(`<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="${AP1}"/>`);
    expect(r.body).to.not.include(HETU).and.not.include(HETU_2);
  });

  it('uses a configured service-request table instead of the defaults', async () => {
    const custom = await startKantaDouble(baseOptions({ codes: { serviceRequest: { archive: { '1': 'SPX1', '*': 'SPX17' } } } }));
    try {
      expect((await post(custom.url, frameFor(makeDoc(), { serviceRequests: ['SP17'] }))).code).to.equal('REASON_SERVICE_REQUEST_MISMATCH');
      expect((await post(custom.url, frameFor(makeDoc(), { serviceRequests: ['SPX17'] }))).ack).to.equal('AA');
    } finally {
      await custom.close();
    }
  });

  it('logs refused writes with sender, unit and a client pseudonym', async () => {
    await post(double.url, frameFor(makeDoc(), { serviceRequests: ['SP1'] }));
    const [entry] = double.inspect().accessLog;
    expect(entry).to.include({ sender: AP1, unit: UNIT_A, operation: 'archive', ack: 'AE', code: 'REASON_SERVICE_REQUEST_MISMATCH' });
    expect(entry?.client).to.match(/^[0-9a-f]{64}$/);
  });
});
