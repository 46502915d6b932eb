import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { signSystem } from '../../certs/system-signer.ts';
import { loadCredential, type Credential } from '../../certs/credential.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { ORG1, compactSample, embeddedCertFile, publishedSamplePath, sampleDoc, tempDir, xmlsecVerifies } from './helpers.ts';

const select = xpath.useNamespaces({ cda: 'urn:hl7-org:v3', hl7fi: 'urn:hl7finland', ds: 'http://www.w3.org/2000/09/xmldsig#' });

function nodes(xml: string, expr: string): Node[] {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  return select(expr, doc as unknown as Node) as Node[];
}

const attrOf = (xml: string, expr: string) => (nodes(xml, expr)[0] as Attr | undefined)?.value;

describe('certs/system-signer', () => {
  let pki: TestPkiManifest;
  let cred: Credential;

  before(async function () {
    this.timeout(30_000);
    pki = await initTestPki(tempDir('signer'));
    cred = loadCredential(pki.signing[ORG1]!, {}, { usage: 'system-signature' });
  });

  it('produces exactly the Kanta system-signature shape', () => {
    const now = new Date('2026-09-15T09:00:00.123Z');
    const { signedXml, receipt } = signSystem(sampleDoc(1), cred, { now, signatureId: 'sig_test1' });
    const sig = "/cda:ClinicalDocument/hl7fi:localSocialHeader/hl7fi:signatureCollection/hl7fi:signature[@ID='sig_test1']";
    expect(nodes(signedXml, sig)).to.have.length(1);
    expect(attrOf(signedXml, `${sig}/hl7fi:signatureDescription/@code`)).to.equal('3');
    expect(attrOf(signedXml, `${sig}/hl7fi:signatureDescription/@displayName`)).to.equal('Järjestelmäallekirjoitus');
    expect(attrOf(signedXml, `${sig}/hl7fi:signatureDescription/@codeSystem`)).to.equal('1.2.246.537.5.40127.2006');
    expect(attrOf(signedXml, `${sig}/hl7fi:signatureTimestamp/@ID`)).to.equal('CDA-timestamp.sig_test1');
    expect(nodes(signedXml, `${sig}/hl7fi:signatureTimestamp/text()`)[0]!.nodeValue).to.equal('2026-09-15T09:00:00.123Z');
    const si = `${sig}/ds:Signature/ds:SignedInfo`;
    expect(attrOf(signedXml, `${si}/ds:CanonicalizationMethod/@Algorithm`)).to.equal('http://www.w3.org/2001/10/xml-exc-c14n#');
    expect(attrOf(signedXml, `${si}/ds:SignatureMethod/@Algorithm`)).to.equal('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const uris = nodes(signedXml, `${si}/ds:Reference/@URI`).map((a) => (a as Attr).value);
    expect(uris).to.deep.equal(['#CDA-timestamp.sig_test1', `#${receipt.bodyId}`]);
    expect(receipt.bodyId).to.equal(attrOf(signedXml, '/cda:ClinicalDocument/cda:component/cda:nonXMLBody/@ID'));
    for (const n of [1, 2]) {
      const transforms = nodes(signedXml, `${si}/ds:Reference[${n}]/ds:Transforms/ds:Transform/@Algorithm`).map((a) => (a as Attr).value);
      expect(transforms).to.deep.equal(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#']);
      expect(attrOf(signedXml, `${si}/ds:Reference[${n}]/ds:DigestMethod/@Algorithm`)).to.equal('http://www.w3.org/2001/04/xmlenc#sha256');
    }
    const keyInfoCert = nodes(signedXml, `${sig}/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()`)[0]!.nodeValue!;
    expect(keyInfoCert.replace(/\s/g, '')).to.equal(cred.certificate.raw.toString('base64'));
    expect(receipt).to.include({ signatureId: 'sig_test1', timestampId: 'CDA-timestamp.sig_test1', signedAt: '2026-09-15T09:00:00.123Z', selfCheck: 'not-run' });
    expect(receipt.signer).to.include({ serialNumber: ORG1, certificateSerial: cred.serial });
    expect(receipt.bodyDigest).to.match(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('is accepted by xmlsec1 with the test CA as trust anchor, and by our verifier', () => {
    const { signedXml } = signSystem(sampleDoc(2), cred);
    expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile })).to.equal(true);
    const result = verifyDocumentSignatures(signedXml, { trustedCaPems: [readFileSync(pki.ca.certFile, 'utf8')], expectedSignerOids: [ORG1], requireSystemSignature: true });
    expect(result.valid, result.reason).to.equal(true);
    expect(result.chainChecked).to.equal(true);
  });

  it('keeps every input byte outside the inserted signature element', () => {
    const input = sampleDoc(3).replace('<hl7fi:signatureCollection/>', '<hl7fi:signatureCollection></hl7fi:signatureCollection>');
    const { signedXml, receipt } = signSystem(input, cred, { signatureId: 'sig_bytes' });
    const start = signedXml.indexOf('<hl7fi:signature xmlns:hl7fi="urn:hl7finland" ID="sig_bytes">');
    const end = signedXml.indexOf('</hl7fi:signature>', start) + '</hl7fi:signature>'.length;
    expect(start).to.be.greaterThan(0);
    expect(signedXml.slice(0, start) + signedXml.slice(end)).to.equal(input);
    expect(receipt.bodyId).to.not.equal('');
  });

  it('creates the signatureCollection at the end of localSocialHeader when it is missing', () => {
    const input = sampleDoc(4, { omitSignatureCollection: true });
    const { signedXml } = signSystem(input, cred, { signatureId: 'sig_new' });
    expect(nodes(signedXml, "/cda:ClinicalDocument/hl7fi:localSocialHeader/*[last()][self::hl7fi:signatureCollection]/hl7fi:signature[@ID='sig_new']")).to.have.length(1);
    expect(verifyDocumentSignatures(signedXml).valid).to.equal(true);
    expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile })).to.equal(true);
  });

  it('adds the system signature next to professional signatures, which stay valid (real sample, compact form)', function () {
    const input = compactSample(publishedSamplePath(this));
    const { signedXml } = signSystem(input, cred, { signatureId: 'sig_system' });
    const ids = nodes(signedXml, '//hl7fi:signatureCollection/hl7fi:signature/@ID').map((a) => (a as Attr).value);
    expect(ids).to.deep.equal(['sig_5bada148-2695-11f1-849f-005056805429', 'sig_e513809e-2695-11f1-849f-005056805429', 'sig_system']);
    const result = verifyDocumentSignatures(signedXml, { requireSystemSignature: true });
    expect(result.valid, result.reason).to.equal(true);
    expect(result.signatures.map((s) => s.kind)).to.deep.equal(['professional', 'professional', 'system']);
    expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile, signatureId: 'sig_system' })).to.equal(true);
    expect(xmlsecVerifies(signedXml, { pubkeyCertPem: embeddedCertFile(signedXml, 1) })).to.equal(true);
  });

  it('signs the published sample as it is (CRLF, comments with tags inside, ep2 prefix): its own signature verifies', function () {
    const published = readFileSync(publishedSamplePath(this), 'utf8');
    const { signedXml } = signSystem(published, cred, { signatureId: 'sig_pub' });
    const start = signedXml.indexOf('<hl7fi:signature xmlns:hl7fi="urn:hl7finland" ID="sig_pub">');
    const end = signedXml.indexOf('</hl7fi:signature>', start) + '</hl7fi:signature>'.length;
    expect(signedXml.slice(0, start) + signedXml.slice(end)).to.equal(published);
    expect(signedXml.slice(start - 40, start)).to.match(/\t\t<\/signature>\r\n\t\t$/);
    const own = verifyDocumentSignatures(signedXml, { onlySignatureId: 'sig_pub', trustedCaPems: [readFileSync(pki.ca.certFile, 'utf8')] });
    expect(own.valid, own.reason).to.equal(true);
    // The tenant's professional signatures were already broken in the published file, and stay reported so.
    expect(verifyDocumentSignatures(signedXml).valid).to.equal(false);
    expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile, signatureId: 'sig_pub' })).to.equal(true);
  });

  it('refuses documents a signature cannot safely bind to, with codes', () => {
    const code = (xml: string) => {
      try {
        signSystem(xml, cred);
        return 'signed';
      } catch (err) {
        return errorCodeOf(err);
      }
    };
    const doc = sampleDoc(5);
    const bodyId = /nonXMLBody ID="([^"]+)"/.exec(doc)![1]!;
    expect(code('<notCda xmlns="urn:hl7-org:v3"/>')).to.equal('INTAKE_NOT_CDA');
    expect(code(doc.replace(/<component>[\s\S]*<\/component>/, ''))).to.equal('INTAKE_MISSING_FIELD');
    expect(code(doc.replace('<hl7fi:localSocialHeader>', '<hl7fi:other>').replace('</hl7fi:localSocialHeader>', '</hl7fi:other>'))).to.equal('INTAKE_MISSING_FIELD');
    expect(code(doc.replace('<realmCode code="FI"/>', `<realmCode code="FI" ID="${bodyId}"/>`))).to.equal('INTAKE_INVALID_FIELD');
    expect(code(doc.replace(`ID="${bodyId}"`, 'ID="OID9.9.9"'))).to.equal('INTAKE_INVALID_FIELD');
    expect(code(doc.replace('</ClinicalDocument>', ''))).to.equal('INTAKE_MALFORMED_XML');
    expect(code(`<!DOCTYPE x [<!ENTITY a "b">]>${doc.replace(/^<\?xml[^>]*\?>/, '')}`)).to.equal('INTAKE_DTD_FORBIDDEN');
    // Deeper than intake can be configured to admit (gateway.xml.maxDepth ≤ 10 000): refused for good.
    const nested = (depth: number) => doc.replace(/(<realmCode [^>]*\/>)/, `$1${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}`);
    expect(code(nested(10_000))).to.equal('SIGN_DOCUMENT_UNSIGNABLE');
    expect(code(nested(5_000))).to.equal('signed');
  });
});

