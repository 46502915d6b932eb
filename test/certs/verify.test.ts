import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignedXml } from 'xml-crypto';
import { signSystem } from '../../certs/system-signer.ts';
import { loadCredential, type Credential } from '../../certs/credential.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import { ALG } from '../../certs/kanta-signature.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import { ORG1, ORG2, compactSample, embeddedCertFile, publishedSamplePath, sampleDoc, tempDir, xmlsecVerifies } from './helpers.ts';

describe('certs/verify', () => {
  let pki: TestPkiManifest;
  let cred: Credential;
  let caPem: string;
  let signed: string;
  let bodyId: string;

  before(async function () {
    this.timeout(60_000);
    pki = await initTestPki(tempDir('verify'), { extras: true });
    cred = loadCredential(pki.signing[ORG1]!, {}, { usage: 'system-signature' });
    caPem = readFileSync(pki.ca.certFile, 'utf8');
    const out = signSystem(sampleDoc(7, { note: 'Alkuperäinen sisältö' }), cred, { signatureId: 'sig_v' });
    signed = out.signedXml;
    bodyId = out.receipt.bodyId;
  });

  const verify = (xml: string, extra: Parameters<typeof verifyDocumentSignatures>[1] = {}) =>
    verifyDocumentSignatures(xml, { trustedCaPems: [caPem], ...extra });
  const certB64 = (c: Credential) => c.certificate.raw.toString('base64');

  it('accepts the untouched signed document with a checked chain and the expected organisation', () => {
    const r = verify(signed, { expectedSignerOids: [ORG1], requireSystemSignature: true });
    expect(r.valid, r.reason).to.equal(true);
    expect(r.chainChecked).to.equal(true);
    expect(r.signatures[0]).to.deep.include({ id: 'sig_v', kind: 'system', valid: true, references: ['#CDA-timestamp.sig_v', `#${bodyId}`] });
    expect(r.signatures[0]!.signer).to.include({ serialNumber: ORG1 });
  });

  describe('tampering: each is invalid with a reason (and xmlsec1 agrees)', () => {
    const cases: Array<[string, (xml: string) => string, RegExp]> = [
      [
        'one byte of the body changed',
        (xml) => {
          const at = xml.indexOf('representation="B64">') + 'representation="B64">'.length + 10;
          return xml.slice(0, at) + (xml[at] === 'A' ? 'B' : 'A') + xml.slice(at + 1);
        },
        /digest mismatch for reference #OID/,
      ],
      [
        'the timestamp changed',
        (xml) => xml.replace(/(<hl7fi:signatureTimestamp ID="[^"]+">)([^<]+)/, (_m, open: string, ts: string) => open + new Date(Date.parse(ts) - 1000).toISOString()),
        /digest mismatch for reference #CDA-timestamp/,
      ],
      [
        'a duplicated body ID',
        (xml) => xml.replace('</hl7fi:localSocialHeader>', `<hl7fi:copy><nonXMLBody ID="${bodyIdOf(xml)}"/></hl7fi:copy></hl7fi:localSocialHeader>`),
        /occurs 2 times/,
      ],
    ];
    for (const [name, tamper, reason] of cases) {
      it(name, () => {
        const bad = tamper(signed);
        expect(bad).to.not.equal(signed);
        const r = verify(bad);
        expect(r.valid).to.equal(false);
        expect(r.reason).to.match(reason);
        expect(xmlsecVerifies(bad, { trustedPem: pki.ca.certFile })).to.equal(false);
      });
    }

    it('an unsigned body injected before the signed one (wrapping)', () => {
      const evil = '<component><structuredBody><text>EVIL payload</text></structuredBody></component>';
      const wrapped = signed.replace('<component>', `${evil}<component>`);
      // xml-crypto alone still says the signature is fine: the document shape must be checked too.
      const naive = new SignedXml({ publicCert: cred.certificatePem, getCertFromKeyInfo: () => null });
      naive.loadSignature(/<ds:Signature[\s\S]*<\/ds:Signature>/.exec(wrapped)![0]);
      expect(naive.checkSignature(wrapped)).to.equal(true);
      const r = verify(wrapped);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/exactly one body element/);
    });

    it('the signed body moved out and an evil body put in its place', () => {
      const body = /<component>[\s\S]*<\/component>/.exec(signed)![0];
      const moved = signed
        .replace(body, '<component><nonXMLBody ID="OIDevil"><text>EVIL</text></nonXMLBody></component>')
        .replace('</hl7fi:localSocialHeader>', `<hl7fi:extension>${body}</hl7fi:extension></hl7fi:localSocialHeader>`);
      const r = verify(moved);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/is not referenced|neither the body/);
    });

    it('a signature made with rsa-sha1, even though it verifies cryptographically', () => {
      const skeleton = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      const sx = new SignedXml({ privateKey: cred.privateKey, publicCert: cred.certificatePem, signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', canonicalizationAlgorithm: ALG.excC14n });
      const transforms = [ALG.envelopedSignature, ALG.excC14n];
      sx.addReference({ xpath: "//*[@ID='CDA-timestamp.sig_v']", transforms, digestAlgorithm: ALG.sha256 });
      sx.addReference({ xpath: `//*[@ID='${bodyId}']`, transforms, digestAlgorithm: ALG.sha256 });
      sx.computeSignature(skeleton, { prefix: 'ds', location: { reference: "//*[@ID='sig_v']", action: 'append' } });
      const sha1Doc = sx.getSignedXml();
      const r = verify(sha1Doc);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/signature method http:\/\/www\.w3\.org\/2000\/09\/xmldsig#rsa-sha1 is not allowed/);
    });

    it('a KeyInfo certificate swapped for another of the same CA (valid chain, different key)', () => {
      const other = loadCredential(pki.signing[ORG2]!, {});
      const swapped = signed.replace(certB64(cred), certB64(other));
      const r = verify(swapped);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/signature value does not verify/);
      expect(r.signatures[0]!.signer!.serialNumber).to.equal(ORG2);
    });

    it('a KeyInfo certificate from a foreign CA: invalid chain', () => {
      const foreign = loadCredential(pki.extras!.foreignSigning, {});
      const { signedXml } = signSystem(sampleDoc(8), foreign);
      const r = verify(signedXml);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/not issued by a trusted CA/);
      expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile })).to.equal(false);
      // Without a CA bundle the embedded certificate alone is used, and the result says so.
      const open = verifyDocumentSignatures(signedXml);
      expect(open.valid).to.equal(true);
      expect(open.chainChecked).to.equal(false);
    });

    it('a signer of another organisation than expected', () => {
      const r = verify(signed, { expectedSignerOids: [ORG2] });
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/not an expected organisation/);
    });

    it('a signature time outside the certificate validity', () => {
      const { signedXml } = signSystem(sampleDoc(9), cred, { now: new Date(cred.notBefore.getTime() - 86_400_000) });
      const r = verify(signedXml);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/not yet valid at the signature time/);
    });

    it('a system signature without its timestamp reference', () => {
      const noTs = signed.replace(/<ds:Reference URI="#CDA-timestamp[\s\S]*?<\/ds:Reference>/, '');
      const r = verify(noTs);
      expect(r.valid).to.equal(false);
      expect(r.reason).to.match(/must reference its signatureTimestamp/);
    });

    it('a ds:Signature placed outside the signature collection', () => {
      const sig = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0];
      const r = verify(signed.replace('</ClinicalDocument>', `<component>${sig}</component></ClinicalDocument>`));
      expect(r.valid).to.equal(false);
    });

    it('unreadable input is a result, not an exception', () => {
      expect(verify('<ClinicalDocument').valid).to.equal(false);
      expect(verify('<!DOCTYPE x><x/>').reason).to.match(/INTAKE_DTD_FORBIDDEN/);
      expect(verify(sampleDoc(10)).reason).to.match(/carries no signature/);
    });
  });

  it('stays valid when unsigned header metadata changes after signing (only body and timestamp are signed)', () => {
    const changed = signed.replace('<languageCode code="fi"/>', '<languageCode code="sv"/>').replace('<versionNumber value="1"/>', '<versionNumber value="2"/>');
    expect(changed).to.not.equal(signed);
    expect(verify(changed).valid).to.equal(true);
    expect(xmlsecVerifies(changed, { trustedPem: pki.ca.certFile })).to.equal(true);
  });

  describe('the public Kanta sample asia_S.xml', () => {
    it('as published is INVALID (re-indented after signing: digest mismatch), as xmlsec1 also says', function () {
      const published = readFileSync(publishedSamplePath(this), 'utf8');
      const r = verifyDocumentSignatures(published);
      expect(r.valid).to.equal(false);
      expect(r.signatures).to.have.length(2);
      for (const s of r.signatures) expect(s.reason).to.match(/digest mismatch/);
      expect(xmlsecVerifies(published, { pubkeyCertPem: embeddedCertFile(published, 1) })).to.equal(false);
    });

    it('in its compact form is VALID for both professional signatures (embedded certificate, no chain)', function () {
      const compact = compactSample(publishedSamplePath(this));
      const r = verifyDocumentSignatures(compact);
      expect(r.valid, r.reason).to.equal(true);
      expect(r.chainChecked).to.equal(false);
      expect(r.signatures.map((s) => [s.kind, s.valid, s.references.length])).to.deep.equal([
        ['professional', true, 2],
        ['professional', true, 2],
      ]);
      expect(r.signatures[0]!.signer!.issuer).to.contain('DVV TEST Social Welfare and Healthcare Prof. Certs - G2R');
      for (const n of [1, 2]) {
        const certFile = embeddedCertFile(compact, n);
        const xpathN = `(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])[${n}]`;
        expect(xmlsecNth(compact, certFile, xpathN)).to.equal(true);
      }
      // Asking for a system signature, or checking against our CA, makes it invalid.
      expect(verifyDocumentSignatures(compact, { requireSystemSignature: true }).valid).to.equal(false);
      expect(verifyDocumentSignatures(compact, { trustedCaPems: [caPem] }).reason).to.match(/not issued by a trusted CA/);
    });
  });
});

function bodyIdOf(xml: string): string {
  return /nonXMLBody ID="([^"]+)"/.exec(xml)![1]!;
}

/** The exact command of samples/README.md for the N-th signature. */
function xmlsecNth(xml: string, certFile: string, nodeXpath: string): boolean {
  const file = path.join(tempDir('nth'), 'doc.xml');
  writeFileSync(file, xml);
  try {
    execFileSync('xmlsec1', ['--verify', '--insecure', '--pubkey-cert-pem', certFile, '--id-attr:ID', 'urn:hl7finland:signatureTimestamp', '--id-attr:ID', 'urn:hl7-org:v3:nonXMLBody', '--enabled-reference-uris', 'same-doc', '--node-xpath', nodeXpath, file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
