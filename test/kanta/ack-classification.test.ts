import { expect } from 'chai';
import { ACK_TYPE_FALLBACK, DETAIL_CODE_ACTIONS, SOAP_FAULT_FALLBACK, classifyAck, classifyError, classifyFault } from '../../adapters/kanta/ack-classification.ts';
import type { SendAction } from '../../adapters/kanta/ack-classification.ts';
import { parseAck } from '../../adapters/kanta/ack-parser.ts';
import type { AckTypeCode, ParsedAck } from '../../adapters/kanta/ack-parser.ts';
import { parseResponseXml, unwrapResponse } from '../../adapters/kanta/soap-envelope.ts';
import { ERROR_CATALOGUE, errorCodeOf } from '../../domain/errors.ts';
import type { ErrorCode } from '../../domain/errors.ts';
import { ackFor, soapFault, soapWrap } from './helpers/fixtures.ts';

const REQUEST = '<id root="1.2.3" extension="42"/>';

function ack(typeCode: AckTypeCode, details: ParsedAck['details']): ParsedAck {
  return { interaction: 'MCCI_IN000002UV01', typeCode, details, targetMessageId: { root: '1.2.3', extension: '42' } };
}

function readAck(xml: string): ParsedAck {
  const m = unwrapResponse(parseResponseXml(xml));
  if (m.kind !== 'message') throw new Error('expected a message');
  return parseAck(m.element);
}

// The expected action per row, written out independently of the table so a changed row fails here.
const EXPECTED: Record<string, SendAction> = {
  ALREADY_ARCHIVED: 'archived',
  ACCESS_POINT_NOT_REGISTERED: 'park-controller', FRAME_SENDER_UNKNOWN: 'park-controller', FRAME_SENDER_TLS_MISMATCH: 'park-controller',
  FRAME_RECEIVER: 'park-controller', ORGANISATION_NOT_JOINED: 'park-controller', REGISTRY_ACCESS_POINT_ORGANISATION: 'park-controller',
  FRAME_MALFORMED_XML: 'park', FRAME_SOAP_ENVELOPE: 'park', FRAME_UNKNOWN_INTERACTION: 'park', FRAME_ROOT_MISMATCH: 'park',
  FRAME_INTERACTION_ROOT: 'park', FRAME_ITS_VERSION: 'park', FRAME_MESSAGE_ID_MISSING: 'park', FRAME_MESSAGE_ID_REUSED: 'retry',
  FRAME_CREATION_TIME: 'park', FRAME_PROCESSING_CODE: 'park', FRAME_ACCEPT_ACK_CODE: 'park', FRAME_MISSING_FIELD: 'park',
  FRAME_DOCUMENT_MISMATCH: 'park', REASON_SERVICE_REQUEST_COUNT: 'park', REASON_USAGE_SITUATION_COUNT: 'park',
  REASON_USAGE_SITUATION_UNKNOWN: 'park', REASON_SERVICE_REQUEST_MISMATCH: 'park', MIME_MISSING: 'park', MIME_CONTENT_ID: 'park', MIME_BASE64: 'park',
  CDA_MALFORMED_XML: 'reject', CDA_MISSING_FIELD: 'reject', CDA_INVALID_FIELD: 'reject', CDA_HETU_INVALID: 'reject',
  CDA_NOT_TEST_PERSON: 'reject', CDA_BODY_ID: 'reject', CDA_BODY_ENCODING: 'reject', CDA_JSON_INVALID: 'reject', DOCUMENT_ID_CONFLICT: 'reject',
  SIGNATURE_MISSING: 'park', SIGNATURE_ALGORITHM: 'park', SIGNATURE_REFERENCE: 'park', SIGNATURE_INVALID: 'park',
  // Issue 16 defect 1: a signature refusal may come from a signature the tenant applied, so it parks the
  // document and never the controller.
  SIGNATURE_CERT_UNTRUSTED: 'park', SIGNATURE_CERT_KEY_USAGE: 'park', SIGNATURE_CERT_VALIDITY: 'park',
  SIGNATURE_SIGNER_NOT_AUTHORISED: 'park',
  SIGNATURE_KIND_UNKNOWN: 'park',
  VERSION_OPERATION: 'reject', VERSION_SET_EXISTS: 'reject', VERSION_UNKNOWN_SET: 'retry', VERSION_NUMBER: 'park', VERSION_PARENT: 'park',
  VERSION_SET_VOIDED: 'reject', VERSION_CUSTODIAN: 'reject',
  REGISTRY_UNIT_UNKNOWN: 'park', REGISTRY_FOREIGN_CUSTODIAN: 'park', REGISTRY_USAGE_SITUATION: 'park',
  RIGHT_PROVIDER_CLIENT_RELATIONSHIP: 'reject', RIGHT_NO_CLIENT_RELATIONSHIP: 'retry', RIGHT_NOT_LISTED: 'park', RIGHT_DATE_OUTSIDE: 'reject',
  FORCED_ERROR: 'park', SERVICE_BREAK: 'retry', TEMPORARY_ERROR: 'retry',
};

describe('kanta acknowledgements', () => {
  describe('parseAck (kanta-binding.md §4)', () => {
    it('reads typeCode, target message id and every detail field, bare or SOAP-wrapped', () => {
      const xml = ackFor(REQUEST, 'AE', [
        { typeCode: 'E', code: 'RIGHT_NOT_LISTED', text: 'No right for this unit', location: '/RCMR_IN200002FI01/controlActProcess' },
        { typeCode: 'W', code: 'SOMETHING_MINOR' },
      ]);
      for (const body of [xml, soapWrap(xml)]) {
        const a = readAck(body);
        expect(a.interaction).to.equal('MCCI_IN000002UV01');
        expect(a.typeCode).to.equal('AE');
        expect(a.messageId).to.deep.equal({ root: '1.2.246.556.18007.2.1', extension: '7c4e8a3e-0f8e-4c55-9e0b-1d2c3b4a5f60' });
        expect(a.targetMessageId).to.deep.equal({ root: '1.2.3', extension: '42' });
        expect(a.details).to.deep.equal([
          { typeCode: 'E', code: 'RIGHT_NOT_LISTED', codeSystem: '1.2.246.537.5.40185.2026', text: 'No right for this unit', location: '/RCMR_IN200002FI01/controlActProcess' },
          { typeCode: 'W', code: 'SOMETHING_MINOR', codeSystem: '1.2.246.537.5.40185.2026' },
        ]);
      }
    });

    it('reads acknowledgement/typeCode as an attribute (2006 edition) and as an element (2008 edition)', () => {
      for (const t of ['AA', 'AE', 'AR'] as const) {
        const attributeForm = ackFor(REQUEST, t, [{ typeCode: 'E', code: 'X' }]);
        expect(attributeForm).to.include(`<acknowledgement typeCode="${t}">`);
        const elementForm = attributeForm.replace(`<acknowledgement typeCode="${t}">`, `<acknowledgement><typeCode code="${t}"/>`);
        expect(elementForm).to.include(`<typeCode code="${t}"/>`);
        const a = readAck(attributeForm);
        const e = readAck(elementForm);
        expect(e.typeCode).to.equal(t);
        expect(e).to.deep.equal(a);
        expect(readAck(soapWrap(elementForm)).typeCode).to.equal(t);
      }
    });

    it('refuses an element-form typeCode that is unreadable or contradicts the attribute', () => {
      const base = ackFor(REQUEST, 'AA');
      const bad = [
        base.replace('<acknowledgement typeCode="AA">', '<acknowledgement><typeCode/>'),
        base.replace('<acknowledgement typeCode="AA">', '<acknowledgement><typeCode code="XX"/>'),
        base.replace('<acknowledgement typeCode="AA">', '<acknowledgement typeCode="AA"><typeCode code="AE"/>'),
        base.replace('<acknowledgement typeCode="AA">', '<acknowledgement><typeCode code="AA"/><typeCode code="AA"/>'),
      ];
      for (const b of bad) {
        expect(b).not.to.equal(base);
        expect(() => readAck(b)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'KANTA_BAD_RESPONSE');
      }
    });

    it('refuses what is not an ack as KANTA_BAD_RESPONSE', () => {
      const bad = [
        '<MCCI_IN000002UV01 xmlns="urn:hl7-org:v3"/>',
        '<MCCI_IN000002UV01 xmlns="urn:other"><acknowledgement typeCode="AA"/></MCCI_IN000002UV01>',
        ackFor(REQUEST, 'CA'),
        ackFor(REQUEST, 'AA').replace('</acknowledgement>', '</acknowledgement><acknowledgement typeCode="AE"/>'),
        '<!DOCTYPE x [<!ENTITY e "x">]><MCCI_IN000002UV01 xmlns="urn:hl7-org:v3"/>',
        'not xml',
        '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/></S:Envelope>',
      ];
      for (const b of bad) expect(() => readAck(b), b.slice(0, 60)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'KANTA_BAD_RESPONSE');
    });
  });

  describe('classification table', () => {
    it('the expectations here cover exactly the rows of the table', () => {
      expect(Object.keys(DETAIL_CODE_ACTIONS).sort()).to.deep.equal(Object.keys(EXPECTED).sort());
    });

    for (const [code, action] of Object.entries(EXPECTED)) {
      it(`${code} → ${action}`, () => {
        const ackType: AckTypeCode = action === 'archived' ? 'AA' : 'AE';
        const c = classifyAck(ack(ackType, [{ typeCode: action === 'archived' ? 'I' : 'E', code }]));
        expect(c.action).to.equal(action);
        if (action === 'archived') {
          expect(c.error).to.equal(undefined);
          expect(c.decidedBy).to.equal(code);
        } else {
          expect(c.decidedBy).to.equal(code);
          const expectedError: ErrorCode = action === 'retry' ? 'KANTA_ACK_TRANSIENT' : action === 'park-controller' ? 'KANTA_CONTROLLER_BLOCKED' : 'KANTA_APPLICATION_ERROR';
          expect(c.error).to.equal(expectedError);
          expect(ERROR_CATALOGUE[c.error!].retryable).to.equal(action === 'retry');
        }
      });
    }

    it('fallbacks by typeCode: AA → archived, AE → park, AR → reject (unknown or no code)', () => {
      expect(ACK_TYPE_FALLBACK).to.deep.include({ AA: ACK_TYPE_FALLBACK.AA });
      expect(classifyAck(ack('AA', [])).action).to.equal('archived');
      expect(classifyAck(ack('AA', [{ typeCode: 'W', code: 'CDA_INVALID_FIELD' }])).action).to.equal('archived');
      expect(classifyAck(ack('AE', [{ typeCode: 'E', code: 'NEVER_SEEN' }]))).to.deep.equal({ action: 'park', error: 'KANTA_APPLICATION_ERROR', decidedBy: 'NEVER_SEEN' });
      expect(classifyAck(ack('AE', []))).to.deep.equal({ action: 'park', error: 'KANTA_APPLICATION_ERROR' });
      expect(classifyAck(ack('AR', [{ typeCode: 'E', code: 'NEVER_SEEN' }]))).to.deep.equal({ action: 'reject', error: 'KANTA_REJECTED', decidedBy: 'NEVER_SEEN' });
      expect(classifyAck(ack('AR', [{ typeCode: 'E' }]))).to.deep.equal({ action: 'reject', error: 'KANTA_REJECTED' });
    });

    it('a known code keeps its row under AR too; an "archived" row inside AE falls back', () => {
      expect(classifyAck(ack('AR', [{ typeCode: 'E', code: 'FRAME_RECEIVER' }])).action).to.equal('park-controller');
      expect(classifyAck(ack('AR', [{ typeCode: 'E', code: 'MIME_BASE64' }]))).to.deep.equal({ action: 'park', error: 'KANTA_REJECTED', decidedBy: 'MIME_BASE64' });
      expect(classifyAck(ack('AE', [{ typeCode: 'E', code: 'ALREADY_ARCHIVED' }])).action).to.equal('park');
    });

    it('warnings and information never decide; a detail without typeCode counts as an error', () => {
      expect(classifyAck(ack('AE', [{ typeCode: 'W', code: 'SIGNATURE_SIGNER_NOT_AUTHORISED' }, { typeCode: 'E', code: 'VERSION_UNKNOWN_SET' }])).action).to.equal('retry');
      expect(classifyAck(ack('AE', [{ code: 'CDA_HETU_INVALID' }])).action).to.equal('reject');
    });

    it('several errors: park-controller > park > reject > retry', () => {
      const order: [string, SendAction][] = [['VERSION_UNKNOWN_SET', 'retry'], ['CDA_HETU_INVALID', 'reject'], ['SIGNATURE_INVALID', 'park'], ['ORGANISATION_NOT_JOINED', 'park-controller']];
      for (let i = 1; i < order.length; i++) {
        const details = order.slice(0, i + 1).map(([code]) => ({ typeCode: 'E', code }));
        expect(classifyAck(ack('AE', details)).action).to.equal(order[i]![1]);
        expect(classifyAck(ack('AE', [...details].reverse())).action).to.equal(order[i]![1]);
      }
    });

    it('SOAP faults: Client → park, Server → retry, a named detail code uses its row', () => {
      const fault = (faultcode: string, faultstring = 'x', detail?: string) => {
        const m = unwrapResponse(parseResponseXml(soapFault(faultcode, faultstring, detail)));
        if (m.kind !== 'fault') throw new Error('expected a fault');
        return m;
      };
      expect(fault('soapenv:Client').side).to.equal('Client');
      expect(fault('S:Client.Authentication').side).to.equal('Client');
      expect(fault('Server').side).to.equal('Server');
      expect(fault('x:Weird').side).to.equal('Other');
      expect(classifyFault(fault('soapenv:Client'))).to.deep.include({ action: SOAP_FAULT_FALLBACK.Client.action, error: 'KANTA_HTTP_4XX' });
      expect(classifyFault(fault('soapenv:Client')).action).to.equal('park');
      expect(classifyFault(fault('soapenv:Server'))).to.deep.include({ action: 'retry', error: 'KANTA_HTTP_5XX' });
      expect(classifyFault(fault('x:Weird')).action).to.equal('park');
      expect(classifyFault(fault('soapenv:Client', 'ACCESS_POINT_NOT_REGISTERED: The TLS client certificate is not registered'))).to.deep.equal({
        action: 'park-controller',
        error: 'KANTA_CONTROLLER_BLOCKED',
        decidedBy: 'ACCESS_POINT_NOT_REGISTERED',
      });
      const inDetail = fault('soapenv:Client', 'The TLS client certificate is not registered', '<code xmlns="urn:x">REGISTRY_ACCESS_POINT_ORGANISATION</code>');
      expect(inDetail.detail).to.equal('REGISTRY_ACCESS_POINT_ORGANISATION');
      expect(classifyFault(inDetail).action).to.equal('park-controller');
      expect(classifyFault(fault('soapenv:Server', 'TEMPORARY_ERROR'))).to.deep.equal({ action: 'retry', error: 'KANTA_ACK_TRANSIENT', decidedBy: 'TEMPORARY_ERROR' });
    });

    it('transport and response codes: retryable → retry, others → park', () => {
      const kanta = Object.keys(ERROR_CATALOGUE).filter((c) => c.startsWith('KANTA_')) as ErrorCode[];
      for (const code of kanta) {
        expect(classifyError(code), code).to.deep.equal({ action: ERROR_CATALOGUE[code].retryable ? 'retry' : 'park', error: code });
      }
      expect(classifyError('KANTA_TIMEOUT').action).to.equal('retry');
      expect(classifyError('KANTA_UNAVAILABLE').action).to.equal('retry');
      expect(classifyError('KANTA_HTTP_4XX').action).to.equal('park');
    });
  });
});
