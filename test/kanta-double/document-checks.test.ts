// Checks 5 and 6 of kanta.md: the embedded CDA and its system signature. One refused document per
// detail code; signed with the test-only signer so only the aimed-at property is wrong.
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { b64, baseOptions, frameFor, makeDoc, post, testPki, UNIT_X, ORG_X } from './support/double-fixture.ts';
import type { DocOptions, PostResult } from './support/double-fixture.ts';

interface Case {
  name: string;
  ack: 'AE' | 'AR';
  code: string;
  doc: () => DocOptions;
}

const OTHER_XHTML = b64('<div class="soc-document" xmlns="http://www.w3.org/1999/xhtml"><p>changed after signing</p></div>');

const CASES: Case[] = [
  { name: 'realmCode is not FI', ack: 'AR', code: 'CDA_INVALID_FIELD', doc: () => ({ beforeSign: (x) => x.replace('<realmCode code="FI"/>', '<realmCode code="SE"/>') }) },
  { name: 'typeId is not POCD_HD000040', ack: 'AR', code: 'CDA_INVALID_FIELD', doc: () => ({ beforeSign: (x) => x.replace('POCD_HD000040', 'POCD_HD000041') }) },
  { name: 'confidentialityCode is not 6', ack: 'AR', code: 'CDA_INVALID_FIELD', doc: () => ({ beforeSign: (x) => x.replace('<confidentialityCode code="6"', '<confidentialityCode code="5"') }) },
  { name: 'hetu checksum is wrong', ack: 'AR', code: 'CDA_HETU_INVALID', doc: () => ({ hetu: `${makeHetu(18, 4, 2018, 903).slice(0, 10)}${makeHetu(18, 4, 2018, 903).endsWith('A') ? 'B' : 'A'}` }) },
  { name: 'hetu birth date is in the future (010180B9004, born 2080)', ack: 'AR', code: 'CDA_HETU_INVALID', doc: () => ({ hetu: '010180B9004' }) },
  { name: 'client is not a test person', ack: 'AE', code: 'CDA_NOT_TEST_PERSON', doc: () => ({ hetu: makeHetu(18, 4, 2018, 123) }) },
  { name: 'localSocialHeader has no functionCode', ack: 'AR', code: 'CDA_MISSING_FIELD', doc: () => ({ beforeSign: (x) => x.replace(/<hl7fi:functionCode [^>]*\/>/, '') }) },
  { name: 'localSocialHeader has no registryType', ack: 'AR', code: 'CDA_MISSING_FIELD', doc: () => ({ beforeSign: (x) => x.replace(/<hl7fi:registryType [^>]*\/>/, '') }) },
  { name: 'nonXMLBody ID is not OID + id', ack: 'AR', code: 'CDA_BODY_ID', doc: () => ({ beforeSign: (x) => x.replace(/<nonXMLBody ID="OID/, '<nonXMLBody ID="X') }) },
  { name: 'XHTML part is not Base64 of XHTML', ack: 'AR', code: 'CDA_BODY_ENCODING', doc: () => ({ beforeSign: (x) => x.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)[^<]+/, `$1${b64('not xml at all')}`) }) },
  { name: 'JSON part does not parse', ack: 'AR', code: 'CDA_JSON_INVALID', doc: () => ({ beforeSign: (x) => x.replace(/(<hl7fi:json representation="B64">)[^<]+/, `$1${b64('{"broken":')}`) }) },
  { name: 'no signature at all', ack: 'AE', code: 'SIGNATURE_MISSING', doc: () => ({ signer: null }) },
  { name: 'signatureDescription is neither 1 nor 3', ack: 'AE', code: 'SIGNATURE_KIND_UNKNOWN', doc: () => ({ sign: { kind: '2' } }) },
  { name: 'professional signature: body changed after signing', ack: 'AE', code: 'SIGNATURE_INVALID', doc: () => ({ signer: null, professionalSigners: [testPki().professional1], afterSign: (x) => x.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)[^<]+/, `$1${OTHER_XHTML}`) }) },
  { name: 'professional signature value changed, system signature intact', ack: 'AE', code: 'SIGNATURE_INVALID', doc: () => ({ professionalSigners: [testPki().professional1], afterSign: (x) => x.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`) }) },
  { name: 'professional certificate from a foreign CA', ack: 'AE', code: 'SIGNATURE_CERT_UNTRUSTED', doc: () => ({ signer: null, professionalSigners: [testPki().signerForeign] }) },
  { name: 'rsa-sha1 signature method', ack: 'AE', code: 'SIGNATURE_ALGORITHM', doc: () => ({ sign: { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' } }) },
  { name: 'sha1 digests', ack: 'AE', code: 'SIGNATURE_ALGORITHM', doc: () => ({ sign: { digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' } }) },
  { name: 'timestamp not referenced', ack: 'AE', code: 'SIGNATURE_REFERENCE', doc: () => ({ sign: { bodyOnly: true } }) },
  { name: 'a second element carries the body ID (wrapping)', ack: 'AE', code: 'SIGNATURE_REFERENCE', doc: () => ({ afterSign: (x) => x.replace('</hl7fi:localSocialHeader>', `<hl7fi:evil ID="${/<nonXMLBody ID="([^"]+)">/.exec(x)?.[1]}">EVIL</hl7fi:evil></hl7fi:localSocialHeader>`) }) },
  { name: 'body changed after signing', ack: 'AE', code: 'SIGNATURE_INVALID', doc: () => ({ afterSign: (x) => x.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)[^<]+/, `$1${OTHER_XHTML}`) }) },
  { name: 'timestamp changed after signing', ack: 'AE', code: 'SIGNATURE_INVALID', doc: () => ({ sign: { timestamp: '2026-09-15T09:00:00Z' }, afterSign: (x) => x.replace('2026-09-15T09:00:00Z', '2026-09-15T09:00:01Z') }) },
  { name: 'signature value changed', ack: 'AE', code: 'SIGNATURE_INVALID', doc: () => ({ afterSign: (x) => x.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`) }) },
  { name: 'certificate from a foreign CA', ack: 'AE', code: 'SIGNATURE_CERT_UNTRUSTED', doc: () => ({ signer: testPki().signerForeign }) },
  { name: 'certificate without signing key usage', ack: 'AE', code: 'SIGNATURE_CERT_KEY_USAGE', doc: () => ({ signer: testPki().signerNoUsage }) },
  { name: 'certificate expired at the signature timestamp', ack: 'AE', code: 'SIGNATURE_CERT_VALIDITY', doc: () => ({ signer: testPki().signerExpired }) },
  { name: 'signer not authorised for the access point', ack: 'AE', code: 'SIGNATURE_SIGNER_NOT_AUTHORISED', doc: () => ({ signer: testPki().signerX }) },
];

describe('kanta double: document and system-signature checks (kanta.md 5–6)', () => {
  let double: KantaDouble;
  before(async () => { testPki(); double = await startKantaDouble(baseOptions()); });
  after(async () => { await double.close(); });
  beforeEach(() => double.reset());

  for (const c of CASES) {
    it(`refuses: ${c.name} → ${c.ack} ${c.code}`, async () => {
      const r: PostResult = await post(double.url, frameFor(makeDoc(c.doc())));
      expect([r.ack, r.code], r.body.slice(0, 1500)).to.deep.equal([c.ack, c.code]);
      expect(double.inspect().archived).to.have.length(0);
      expect(double.inspect().rejectionsByCode[c.code]).to.equal(1);
    });
  }

  it('refuses an embedded document that is not XML', async () => {
    const doc = makeDoc();
    const r = await post(double.url, frameFor({ ...doc, bytes: Buffer.from('not xml') }));
    expect([r.ack, r.code]).to.deep.equal(['AR', 'CDA_MALFORMED_XML']);
  });

  it('accepts a non-test person when testPersonsOnly is off', async () => {
    const open = await startKantaDouble(baseOptions({ testPersonsOnly: false }));
    try {
      const r = await post(open.url, frameFor(makeDoc({ hetu: makeHetu(18, 4, 2018, 123) })));
      expect(r.ack, r.body).to.equal('AA');
    } finally {
      await open.close();
    }
  });

  it('refuses: only a professional signature (code 1) when a system signature is required → AE SIGNATURE_MISSING', async () => {
    const strict = await startKantaDouble(baseOptions({ requireSystemSignature: true }));
    try {
      const r = await post(strict.url, frameFor(makeDoc({ sign: { kind: '1' } })));
      expect([r.ack, r.code], r.body.slice(0, 1500)).to.deep.equal(['AE', 'SIGNATURE_MISSING']);
      expect(strict.inspect().archived).to.have.length(0);
    } finally {
      await strict.close();
    }
  });

  it('accepts a signer the access point lists, on the access point that carries it', async () => {
    const doc = makeDoc({ custodian: ORG_X, serviceUnit: UNIT_X, signer: testPki().signerX });
    const r = await post(double.url, frameFor(doc, { senderId: '1.2.246.10.55555555.10.0', unit: UNIT_X }));
    expect(r.ack, r.body).to.equal('AA');
  });
});
