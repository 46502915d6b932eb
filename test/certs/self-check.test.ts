import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { signSystem } from '../../certs/system-signer.ts';
import { checkOwnSignature } from '../../certs/self-check.ts';
import { loadCredential, type Credential } from '../../certs/credential.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import { ORG1, ORG2, compactSample, publishedSamplePath, sampleDoc, tempDir } from './helpers.ts';

describe('certs/self-check', () => {
  let pki: TestPkiManifest;
  let cred: Credential;
  let other: Credential;
  let signed: string;

  before(async function () {
    this.timeout(60_000);
    pki = await initTestPki(tempDir('self-check'), {});
    cred = loadCredential(pki.signing[ORG1]!, {}, { usage: 'system-signature' });
    other = loadCredential(pki.signing[ORG2]!, {});
    signed = signSystem(sampleDoc(3, { note: 'Itsetarkastus' }), cred, { signatureId: 'sig_s' }).signedXml;
  });

  const check = (xml: string, c = cred) => checkOwnSignature(xml, 'sig_s', c.certificate);

  it('passes on the signer output, also beside professional signatures and on the published sample with CRLF and comments', function () {
    expect(check(signed)).to.deep.equal({ valid: true });
    const samplePath = publishedSamplePath(this);
    for (const input of [compactSample(samplePath), readFileSync(samplePath, 'utf8')]) {
      const out = signSystem(input, cred, { signatureId: 'sig_s' }).signedXml;
      expect(check(out)).to.deep.equal({ valid: true });
    }
  });

  it('runs in signSystem and marks the receipt', () => {
    const { receipt } = signSystem(sampleDoc(4), cred, { selfCheck: (xml, id) => checkOwnSignature(xml, id, cred.certificate) });
    expect(receipt.selfCheck).to.equal('passed');
  });

  const cases: Array<[string, (xml: string) => string, RegExp]> = [
    ['a body byte changed after signing', (x) => x.replace(/(representation="B64">.{10})(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')), /digest mismatch for reference #OID/],
    ['the timestamp changed after signing', (x) => x.replace(/(CDA-timestamp\.sig_s">)(\d)/, (_m, a: string, d: string) => a + (d === '1' ? '2' : '1')), /digest mismatch for reference #CDA-timestamp/],
    ['the SignatureValue changed', (x) => x.replace(/(<ds:SignatureValue>)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')), /signature value does not verify/],
    ['a SignedInfo digest changed (the signature no longer covers it)', (x) => x.replace(/(<ds:DigestValue>)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')), /signature value does not verify/],
    ['a second element with the body ID (wrapping)', (x) => x.replace('<component>', `<component><nonXMLBody ID="OID${/<id root="([^"]+)"/.exec(x)![1]}"/></component><component>`), /not the expected element, or its ID is not unique|Kanta shape/],
    ['a decoy id="…" with the body ID', (x) => x.replace('<component>', `<component><x:y xmlns:x="urn:x" id="OID${/<id root="([^"]+)"/.exec(x)![1]}"/>`), /not unique/],
    ['checked against another certificate than KeyInfo carries', (x) => x, /KeyInfo does not carry the signing certificate/],
  ];
  for (const [name, tamper, reason] of cases) {
    it(`fails when ${name}`, () => {
      const c = name.startsWith('checked against') ? other : cred;
      const r = check(tamper(signed), c);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(reason);
    });
  }

  it('fails for a signature made with another key than the KeyInfo certificate', () => {
    // KeyInfo says ORG1, the key is ORG2's: the value cannot verify with ORG1's public key.
    const wrongKey = signSystem(sampleDoc(5), { privateKey: other.privateKey, certificatePem: cred.certificatePem }, { signatureId: 'sig_s' }).signedXml;
    expect(check(wrongKey)).to.deep.include({ valid: false, reason: 'the signature value does not verify with the signing certificate' });
  });
});
