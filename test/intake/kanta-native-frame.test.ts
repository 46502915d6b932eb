// The Kanta-native format adapter alone (pure): a certified client's SOAP archive message in, the one
// ParsedDocument value out with the CDA byte-exact and the frame's people carried; every malformed or
// inconsistent frame refused with its own code; and the answers the endpoint builds from outcomes.
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { readKantaNative } from '../../adapters/intake/kanta-native/read-kanta-native.ts';
import { buildNativeAck } from '../../adapters/intake/kanta-native/native-ack.ts';
import { KantaCodesSchema } from '../../config/schema.ts';
import type { DocumentRecord } from '../../domain/document-record.ts';
import { GatewayError } from '../../domain/errors.ts';
import { certifiedFrameChildren, CERTIFIED_INTERACTIONS, type CertifiedFrameInput } from '../../gateway/demo/certified-client.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { answerForError, answerForRecord } from '../../gateway/kanta-native/native-answer.ts';
import { codeOf } from '../helpers/code-of.ts';

const codes = KantaCodesSchema.parse({});
const HETU = makeHetu(15, 3, 2016, 941);
const DOC = '1.2.246.10.11111111.95.2026.9001';
const cda = Buffer.from(makeSampleCda({ documentId: DOC, custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, hetu: HETU, functionCode: '24' }), 'utf8');

function frame(over: Partial<CertifiedFrameInput> = {}): CertifiedFrameInput {
  return {
    operation: 'archive',
    messageId: { root: DEMO.certifiedSystem.deviceId, extension: '777' },
    senderId: DEMO.certifiedSystem.deviceId,
    receiverId: '1.2.246.556.18007.2',
    serviceRequest: 'SP17',
    usageSituation: '1',
    actor: { id: { root: '1.2.246.537.26', extension: '1001' }, family: 'Virtanen', given: 'Liisa', unit: DEMO.region.unit, unitName: DEMO.region.unitName },
    author: { id: { root: '1.2.246.537.26', extension: '1002' }, family: 'Korhonen', given: 'Matti' },
    patient: { hetu: HETU, statusCode: 'active', family: 'Testinen', given: 'Taavi', genderCode: '1', birthTime: '20160315' },
    document: { id: DOC, setId: DOC, versionNumber: 1, custodian: DEMO.region.oid, custodianName: DEMO.region.name },
    cda,
    ...over,
  };
}

const envelope = (f: CertifiedFrameInput, root = CERTIFIED_INTERACTIONS[f.operation]) =>
  Buffer.from(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><${root} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">${certifiedFrameChildren(f).replace(/RCMR_IN200002FI01/g, root)}</${root}></soapenv:Body></soapenv:Envelope>`);
const read = (body: Buffer) => readKantaNative({ body }, { codes: () => codes });

describe('Kanta-native format adapter', () => {
  it('gives the CDA byte-exact, its header, the frame\'s acting person, author, patient and message id, and the käyttötilanne claim', () => {
    const p = read(envelope(frame()));
    expect(p.format).to.equal('kanta-native');
    expect(p.cda.equals(cda)).to.equal(true);
    expect(p.requestedOperation).to.equal('archive');
    expect(p.claims).to.deep.equal({ usageSituation: 'ownUse' });
    expect(p.header.documentId).to.equal(DOC);
    expect(p.header.actingPerson).to.deep.equal({ id: { root: '1.2.246.537.26', extension: '1001' }, name: { family: ['Virtanen'], given: [{ value: 'Liisa' }] }, unit: DEMO.region.unit, unitName: DEMO.region.unitName });
    expect(p.header.tenantFrame).to.deep.equal({
      messageId: { root: DEMO.certifiedSystem.deviceId, extension: '777' },
      senderId: DEMO.certifiedSystem.deviceId,
      performerTypeCode: 'AUT',
      author: { id: { root: '1.2.246.537.26', extension: '1002' }, name: { family: ['Korhonen'], given: [{ value: 'Matti' }] } },
      patientStatusCode: 'active',
      patient: { name: { family: ['Testinen'], given: [{ value: 'Taavi' }] }, gender: { code: '1', codeSystem: '1.2.246.537.5.1.1997' }, birthTime: '20160315' },
      custodianName: DEMO.region.name,
    });
  });

  const cases: Array<{ name: string; body: () => Buffer; code: string; field?: string }> = [
    { name: 'a DOCTYPE in the envelope', body: () => Buffer.from(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]>${envelope(frame()).toString()}`), code: 'INTAKE_DTD_FORBIDDEN' },
    { name: 'nesting past the XML limit', body: () => Buffer.from(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${'<a>'.repeat(80)}${'</a>'.repeat(80)}</soapenv:Body></soapenv:Envelope>`), code: 'INTAKE_XML_TOO_DEEP' },
    { name: 'not a SOAP envelope', body: () => Buffer.from(certifiedFrameChildren(frame()).replace(/^/, '<RCMR_IN200002FI01 xmlns="urn:hl7-org:v3">') + '</RCMR_IN200002FI01>'), code: 'NATIVE_FRAME_INVALID', field: 'soapenv:Envelope' },
    { name: 'an interaction the endpoint does not take', body: () => envelope(frame(), 'RCMR_IN200099FI01'), code: 'NATIVE_INTERACTION_UNSUPPORTED' },
    { name: 'MIME that is not Base64', body: () => Buffer.from(envelope(frame()).toString().replace(/(Content-ID: &lt;[^&]*&gt;&#13;\n&#13;\n)[A-Za-z0-9+/]{4}/, '$1!!!!')), code: 'NATIVE_MIME_INVALID' },
    { name: 'a Content-ID other than the document id', body: () => envelope(frame({ contentId: '1.2.246.10.1.2.3' })), code: 'NATIVE_FRAME_CDA_MISMATCH', field: 'controlActProcess/subject/clinicalDocument/text Content-ID' },
    { name: 'the asiakkuusasiakirja palvelupyyntö for a later-phase document', body: () => envelope(frame({ serviceRequest: 'SP1' })), code: 'NATIVE_SERVICE_REQUEST_MISMATCH' },
    { name: 'an unknown käyttötilanne', body: () => envelope(frame({ usageSituation: '9' })), code: 'NATIVE_FRAME_INVALID' },
    { name: 'a replaced document the CDA does not name', body: () => envelope(frame({ document: { ...frame().document, parent: { id: '1.2.246.10.1.1', setId: DOC, versionNumber: 1 } } })), code: 'NATIVE_FRAME_CDA_MISMATCH', field: 'controlActProcess/subject/clinicalDocument/relatedDocument' },
    { name: 'no message id', body: () => Buffer.from(envelope(frame()).toString().replace(/<id root="[^"]*" extension="777"\/>/, '')), code: 'NATIVE_FRAME_INVALID', field: 'id' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code}`, () => {
      let err: GatewayError | undefined;
      try {
        read(c.body());
      } catch (e) {
        err = e as GatewayError;
      }
      expect(err?.code).to.equal(c.code);
      if (c.field) expect(err?.details?.field).to.equal(c.field);
    });
  }

  it('never quotes the hetu back in a refusal', () => {
    const other = makeHetu(1, 1, 2015, 942);
    let message = '';
    expect(codeOf(() => { try { read(envelope(frame({ patient: { ...frame().patient, hetu: other } }))); } catch (e) { message = JSON.stringify((e as GatewayError).toJSON()); throw e; } })).to.equal('NATIVE_FRAME_CDA_MISMATCH');
    expect(message).to.not.include(other).and.not.include(HETU);
  });
});

describe('Kanta-native answers', () => {
  const pending = { typeCode: 'AE' as const, detailCode: 'TEMPORARY_ERROR' };
  const record = (over: Partial<DocumentRecord>) => ({ status: 'archived', ...over }) as DocumentRecord;

  it('relays the archive\'s own acknowledgement, gives the gateway\'s code when the gateway itself stopped, and the pending answer while on the way', () => {
    expect(answerForRecord(record({ ack: { action: 'archived', messageId: '1', typeCode: 'AA', details: [{ typeCode: 'I', code: 'ALREADY_ARCHIVED', text: 'x' }] } }), pending)).to.deep.equal({ typeCode: 'AA', details: [{ typeCode: 'I', code: 'ALREADY_ARCHIVED', text: 'x' }] });
    expect(answerForRecord(record({ status: 'rejected', code: 'KANTA_REJECTED', ack: { action: 'reject', messageId: '1', typeCode: 'AR', details: [{ typeCode: 'E', code: 'CDA_BODY_ID' }] } }), pending)).to.deep.equal({ typeCode: 'AR', details: [{ typeCode: 'E', code: 'CDA_BODY_ID' }] });
    expect(answerForRecord(record({ status: 'parked', code: 'SIGN_SELF_CHECK_FAILED', text: 'no' }), pending)).to.deep.equal({ typeCode: 'AE', details: [{ typeCode: 'E', code: 'SIGN_SELF_CHECK_FAILED', text: 'no' }] });
    expect(answerForRecord(record({ status: 'sending' }), pending).details.map((d) => d.code)).to.deep.equal(['TEMPORARY_ERROR', 'NATIVE_OUTCOME_PENDING']);
  });

  it('answers structure refusals AR, business refusals AE, transient trouble with the pending code first', () => {
    expect(answerForError(new GatewayError('NATIVE_FRAME_CDA_MISMATCH', undefined, { details: { field: 'f' } }), pending)).to.deep.include({ typeCode: 'AR' });
    expect(answerForError(new GatewayError('RIGHT_NOT_FOUND'), pending).typeCode).to.equal('AE');
    expect(answerForError(new GatewayError('QUEUE_UNAVAILABLE'), pending).details.map((d) => d.code)).to.deep.equal(['TEMPORARY_ERROR', 'QUEUE_UNAVAILABLE']);
    // Anything unforeseen is INTERNAL, which the catalogue calls retryable: the system resends later.
    expect(answerForError(new Error('boom'), pending).details.map((d) => d.code)).to.deep.equal(['TEMPORARY_ERROR', 'INTERNAL']);
  });

  it('writes MCCI_IN000002UV01 in a SOAP envelope targeting the tenant\'s message, every value escaped', () => {
    const xml = buildNativeAck({ typeCode: 'AE', target: { root: '1.2.3', extension: '4' }, receiverId: '1.2.5', senderId: '1.2.6', details: [{ typeCode: 'E', code: 'X', text: 'a <b> & "c"', location: 'f' }], now: new Date('2026-09-15T09:00:00Z'), messageIdRoot: '1.2.7' });
    expect(xml).to.match(/^<soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><soapenv:Header\/><soapenv:Body><MCCI_IN000002UV01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">/);
    expect(xml).to.include('<acknowledgement typeCode="AE"><targetMessage><id root="1.2.3" extension="4"/></targetMessage><acknowledgementDetail typeCode="E"><code code="X" codeSystem="1.2.246.537.5.40185.2026"/><text>a &lt;b&gt; &amp; "c"</text><location>f</location>');
    expect(xml).to.include('<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.5"/></device></receiver><sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.6"/>');
  });
});
