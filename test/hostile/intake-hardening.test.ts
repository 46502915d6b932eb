// Issue 16, one test per defect of the intake side that needs no Redis: each asserts the refusal the
// attack showed missing (the same inputs were accepted, or answered INTERNAL, before the fix).
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { readCdaXml } from '../../adapters/intake/cda-xml.ts';
import { checkXmlStructure, DEFAULT_XML_LIMITS } from '../../adapters/xml/xml-limits.ts';
import { ConfigSchema } from '../../config/schema.ts';
import { GatewayError, type ErrorCode } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { clientErrorCode } from '../../gateway/http-server.ts';
import { toGatewayError } from '../../gateway/http-errors.ts';
import { checkIncomingSignatures, type SignatureVerifier } from '../../gateway/intake/incoming-signatures.ts';
import { operationOf } from '../../gateway/intake/operation.ts';
import { checkTestPerson, testPersonRuleOf } from '../../gateway/intake/test-person-guard.ts';
import { checkCharset } from '../../gateway/routes/intake.ts';
import { checkHeader } from '../../gateway/intake/run-intake.ts';
import { codeOf } from '../helpers/code-of.ts';


const ORG = '1.2.246.10.33333333.10.0';
const sample = (over: Parameters<typeof makeSampleCda>[0] extends infer O ? Partial<O> : never = {}) =>
  makeSampleCda({ documentId: `${ORG}.2026.1`, custodian: ORG, serviceUnit: `${ORG}.1`, hetu: makeHetu(1, 2, 1990, 903), functionCode: '21', ...over });
const read = (xml: string | Buffer, op?: string) => readCdaXml(Buffer.isBuffer(xml) ? xml : Buffer.from(xml, 'utf8'), op);

describe('intake hardening (issue 16)', () => {
  describe('defect 3: nesting depth and the operation rule', () => {
    it('refuses a body nested 100 000 levels deep before building a DOM, and a CDA one level over the limit', () => {
      const deep = `<a>${'<b>'.repeat(100_000)}${'</b>'.repeat(100_000)}</a>`;
      expect(codeOf(() => read(deep))).to.equal('INTAKE_XML_TOO_DEEP');
      const over = sample().replace('<languageCode code="fi"/>', `<languageCode code="fi"/>${'<x>'.repeat(DEFAULT_XML_LIMITS.maxDepth)}${'</x>'.repeat(DEFAULT_XML_LIMITS.maxDepth)}`);
      expect(codeOf(() => read(over))).to.equal('INTAKE_XML_TOO_DEEP');
      expect(codeOf(() => read(sample()))).to.equal(undefined);
    });

    it('counts only markup: ">" and "=" inside quoted values, comments and CDATA do not fool it', () => {
      const limits = { ...DEFAULT_XML_LIMITS, maxDepth: 3, maxAttributesPerElement: 2 };
      expect(codeOf(() => checkXmlStructure('<a x="1>2=3" y=\'=\'><b/><!-- <c><c><c> --><![CDATA[<d><d><d>]]><b><c/></b></a>', limits))).to.equal(undefined);
      expect(codeOf(() => checkXmlStructure('<a><b><c><d/></c></b></a>', limits))).to.equal(undefined);
      expect(codeOf(() => checkXmlStructure('<a><b><c><d></d></c></b></a>', limits))).to.equal('INTAKE_XML_TOO_DEEP');
      expect(codeOf(() => checkXmlStructure('<a x="1" y="2" z="3"/>', limits))).to.equal('INTAKE_XML_TOO_MANY_ATTRIBUTES');
    });

    it('versionNumber 2 without RPLC is refused with or without the Kanta-Operation header', () => {
      expect(codeOf(() => operationOf({ versionNumber: 2 }, undefined))).to.equal('INTAKE_MISSING_FIELD');
      expect(codeOf(() => operationOf({ versionNumber: 2 }, 'version'))).to.equal('INTAKE_MISSING_FIELD');
      const v2 = read(sample({ versionNumber: 2 }));
      expect(codeOf(() => checkHeader(v2))).to.equal('INTAKE_MISSING_FIELD');
    });
  });

  describe('defect 7: characters, encodings, attributes', () => {
    it('refuses NUL and the other characters XML 1.0 forbids, raw or as references', () => {
      for (const bad of ['\u0000', '\u0001', '\u000B', '\uFFFE', '\uFFFF', '&#0;', '&#x1;', '&#xFFFE;', '&#xD800;']) {
        expect(codeOf(() => read(sample({ note: `x${bad}y` as never }).replace('<languageCode code="fi"/>', `<languageCode code="fi"/><!--${bad}-->`))), JSON.stringify(bad)).to.equal('INTAKE_ILLEGAL_CHARACTER');
      }
      expect(codeOf(() => read(sample().replace('<languageCode code="fi"/>', '<languageCode code="fi"/><!--tab\tok &#x10000; &#9;-->')))).to.equal(undefined);
    });

    it('refuses a declared or Content-Type charset other than UTF-8, UTF-16 and invalid UTF-8', () => {
      expect(codeOf(() => read(sample().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')))).to.equal('INTAKE_UNSUPPORTED_CHARSET');
      expect(codeOf(() => read(sample().replace('encoding="UTF-8"', "encoding='utf8'")))).to.equal(undefined);
      expect(codeOf(() => read(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sample(), 'utf16le')])))).to.equal('INTAKE_UNSUPPORTED_CHARSET');
      const invalid = Buffer.from(sample(), 'utf8');
      invalid[invalid.indexOf('Testi') + 1] = 0xc3; // a lead byte followed by ASCII
      expect(codeOf(() => read(invalid))).to.equal('INTAKE_INVALID_ENCODING');
      expect(codeOf(() => read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample())])))).to.equal(undefined);
      for (const ct of ['application/xml; charset=iso-8859-1', 'text/xml;charset="windows-1252"', 'application/xml; charset=utf-16']) expect(codeOf(() => checkCharset(ct)), ct).to.equal('INTAKE_UNSUPPORTED_CHARSET');
      for (const ct of ['application/xml', 'application/xml; charset=UTF-8', 'text/xml;charset="utf-8"']) expect(codeOf(() => checkCharset(ct)), ct).to.equal(undefined);
    });

    it('refuses 200 000 attributes on one element, and a flood of elements', () => {
      const attrs = Array.from({ length: 200_000 }, (_, i) => `a${i}="1"`).join(' ');
      expect(codeOf(() => read(sample().replace('<languageCode code="fi"/>', `<languageCode code="fi" ${attrs}/>`)))).to.equal('INTAKE_XML_TOO_MANY_ATTRIBUTES');
      expect(codeOf(() => read(sample().replace('<languageCode code="fi"/>', `<languageCode code="fi"/>${'<x/>'.repeat(DEFAULT_XML_LIMITS.maxElements)}`)))).to.equal('INTAKE_XML_TOO_MANY_ELEMENTS');
    });

    it('refuses a body part that is not Base64', () => {
      expect(codeOf(() => read(sample().replace(/(representation="B64">)PGRp/, '$1!!!!')))).to.equal('INTAKE_INVALID_FIELD');
    });

    it('defaults incomingSigner to custodian', () => {
      const min = {
        kanta: { accessPoints: [{ id: 'ap', url: 'https://kanta.example/', senderId: '1.2.3' }] },
        organisations: [{ oid: ORG, name: 'O', kind: 'private-provider' }],
        signingIdentities: [{ id: 's', certificates: [{ certFile: 'c', keyFile: 'k' }] }],
        tenants: [{ id: 't', name: 'T', credentials: { apiTokenSha256: ['0'.repeat(64)] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap', signingIdentity: 's' }],
      };
      const cfg = ConfigSchema.parse(min);
      expect(cfg.signer.incomingSigner).to.equal('custodian');
      expect(cfg.tenants[0]!.verifyIncomingSignatures).to.equal(true);
      expect(cfg.gateway).to.include({ headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, bodyReadTimeoutMs: 30_000 });
      expect(ConfigSchema.safeParse({ ...min, gateway: { headersTimeoutMs: 90_000 } }).success).to.equal(false);
    });
  });

  describe('defect 1: signed documents need a configured trust', () => {
    const signed = (): ParsedDocument => ({ ...read(sample()), header: { ...read(sample()).header, signatures: [{ id: 's1', kind: '1' }] } });
    const verifier: SignatureVerifier = async () => ({ valid: true });
    const tenant = { actsFor: [{ organisation: ORG, joining: { model: 'direct' as const } }] };

    it('refuses a signed document with a code when no trusted CA is configured', async () => {
      const err = await checkIncomingSignatures(signed(), tenant, { verifier, rule: () => 'custodian', trustedCaPems: () => undefined }).then(() => undefined, (e: GatewayError) => e);
      expect(err?.code).to.equal('INTAKE_SIGNATURE_TRUST_NOT_CONFIGURED');
      expect(err?.status).to.equal(400);
    });

    it('passes it unchecked only when the tenant turned verification off explicitly; unsigned documents need no trust', async () => {
      let called = 0;
      const counting: SignatureVerifier = async () => (called++, { valid: false });
      await checkIncomingSignatures(signed(), { ...tenant, verifyIncomingSignatures: false }, { verifier: counting, rule: () => 'custodian', trustedCaPems: () => undefined });
      await checkIncomingSignatures(read(sample()), tenant, { verifier: counting, rule: () => 'custodian', trustedCaPems: () => undefined });
      expect(called).to.equal(0);
    });
  });

  describe('defect 4: the access point environment guards test persons', () => {
    const header = (individual: number) => ({ client: { root: '1.2.246.21', extension: makeHetu(1, 2, 1990, individual) } });

    it('customer-test (explicit or processingCode T/D) accepts only individual numbers 900–999', () => {
      for (const ap of [{ id: 'a', environment: 'customer-test' as const, processingCode: 'P' as const }, { id: 'a', processingCode: 'T' as const }, { id: 'a', processingCode: 'D' as const }]) {
        expect(codeOf(() => checkTestPerson(header(123), ap))).to.equal('INTAKE_TEST_PERSON_REQUIRED');
        expect(codeOf(() => checkTestPerson(header(899), ap))).to.equal('INTAKE_TEST_PERSON_REQUIRED');
        expect(codeOf(() => checkTestPerson(header(900), ap))).to.equal(undefined);
        expect(codeOf(() => checkTestPerson(header(999), ap))).to.equal(undefined);
      }
    });

    it('production accepts anyone unless told to refuse test persons; the refusal never carries the hetu', () => {
      expect(testPersonRuleOf({ processingCode: 'P' })).to.equal('any');
      expect(codeOf(() => checkTestPerson(header(903), { id: 'p', processingCode: 'P' }))).to.equal(undefined);
      const strict = { id: 'p', environment: 'production' as const, processingCode: 'P' as const, testPersons: 'refuse' as const };
      expect(codeOf(() => checkTestPerson(header(123), strict))).to.equal(undefined);
      let err: GatewayError | undefined;
      try {
        checkTestPerson(header(903), strict);
      } catch (e) {
        err = e as GatewayError;
      }
      expect(err?.code).to.equal('INTAKE_TEST_PERSON_REFUSED');
      expect(JSON.stringify(err?.toJSON())).to.not.contain(makeHetu(1, 2, 1990, 903));
    });
  });

  describe('defect 5: framework errors are coded', () => {
    it('maps a body that does not decode with its Content-Encoding, an unknown encoding and a bad path to client codes', () => {
      expect(toGatewayError(Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR', status: 400 })).code).to.equal('INTAKE_UNSUPPORTED_CONTENT_ENCODING');
      expect(toGatewayError(Object.assign(new Error('Decompression failed'), { code: 'ERR__ERROR_FORMAT_RESERVED', status: 400 })).code).to.equal('INTAKE_UNSUPPORTED_CONTENT_ENCODING');
      expect(toGatewayError(Object.assign(new Error('unsupported'), { type: 'encoding.unsupported', status: 415 })).code).to.equal('INTAKE_UNSUPPORTED_CONTENT_ENCODING');
      expect(toGatewayError(new URIError("Failed to decode param '%ZZ'")).code).to.equal('REQUEST_INVALID');
      expect(toGatewayError(Object.assign(new Error('x'), { status: 400 })).code).to.equal('REQUEST_INVALID');
      expect(toGatewayError(new Error('a bug')).code).to.equal('INTERNAL');
    });

    it('maps what Node refuses before express (oversized headers, header timeout, bad HTTP) to codes', () => {
      expect(clientErrorCode({ code: 'HPE_HEADER_OVERFLOW' })).to.equal('REQUEST_HEADERS_TOO_LARGE');
      expect(clientErrorCode({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).to.equal('REQUEST_TIMEOUT');
      expect(clientErrorCode({ code: 'HPE_INVALID_METHOD' })).to.equal('REQUEST_MALFORMED');
    });
  });
});
