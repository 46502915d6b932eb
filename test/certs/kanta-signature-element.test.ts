// The direct signer (certs/kanta-signature-element.ts, signSystem's default engine) against the
// reference: on every document shape here its output must be byte for byte what xml-crypto's SignedXml
// makes for the same document, signature ID and time (RSA PKCS#1 v1.5 is deterministic), and xmlsec1
// and a plain xml-crypto verifier must both accept it (and our verifier and the self-check).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import xpath from 'xpath';
import { loadCredential, type Credential } from '../../certs/credential.ts';
import { checkOwnSignature } from '../../certs/self-check.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import { samplesDir } from '../helpers/shared-material.ts';
import { signCda } from '../kanta-double/support/test-signer.ts';
import { ORG1, compactSample, sampleDoc, tempDir, xmlsecVerifies } from './helpers.ts';

// One time for both engines (the certificate was issued just now, so not a fixed past date).
const NOW = new Date();
const BODY = /<nonXMLBody ID="([^"]+)">([\s\S]*?)<\/nonXMLBody>/;

/** The same document with its nonXMLBody element rewritten by `f(id, inner)`. */
function withBody(xml: string, f: (id: string, inner: string) => string): string {
  const m = BODY.exec(xml)!;
  return xml.replace(m[0], f(m[1]!, m[2]!));
}

/** Document shapes: the generators' documents, then the places where canonicalising the body alone could differ from canonicalising it in the document. */
function corpus(professional: { certPem: string; keyPem: string }): Array<[string, string]> {
  const d = (n: number, extra = {}) => sampleDoc(n, extra);
  const shapes: Array<[string, string]> = [
    ['sample document', d(1)],
    ['no signatureCollection', d(2, { omitSignatureCollection: true })],
    ['asiakkuusasiakirja with rights', d(3, { documentGroup: '1', rights: { '24': [{ unit: `${ORG1}.7`, start: '2026-01-01' }] } })],
    ['new version', d(4, { versionNumber: 2, parent: { id: `${ORG1}.95.2026.3`, setId: `${ORG1}.95.2026.3`, versionNumber: 1 } })],
    ['text with & < > " and non-BMP characters', d(5, { note: 'A & B < C > D "E" ä 𝄞 \u{1F600}' })],
    ['CRLF line ends', d(6).replace(/\n/g, '\r\n')],
    ['professionally signed (body only)', signCda(d(7), professional, { kind: '1', bodyOnly: true, id: 'prof-7' })],
    ['prefixed body element', withBody(d(8), (id, inner) => `<v3:nonXMLBody xmlns:v3="urn:hl7-org:v3" ID="${id}">${inner}</v3:nonXMLBody>`)],
    ['body redeclares the default namespace', withBody(d(9), (id, inner) => `<nonXMLBody xmlns="urn:hl7-org:v3" ID="${id}">${inner}</nonXMLBody>`)],
    ['a child undeclares the default namespace', withBody(d(10), (id, inner) => `<nonXMLBody ID="${id}">${inner}<extra xmlns=""><x a="1"/></extra></nonXMLBody>`)],
    ['comments, CDATA, references in the body', withBody(d(11), (id, inner) => `<nonXMLBody ID="${id}"><!-- a comment --><hl7fi:note><![CDATA[raw <b> & "q"]]></hl7fi:note><hl7fi:ref v="&#10;&#x9;&amp;&lt;&gt;&quot;&apos;">&#233;&#x1F600;&amp;&gt;</hl7fi:ref>${inner}</nonXMLBody>`)],
    ['attribute values with literal tabs, line ends, > and single quotes', withBody(d(12), (id, inner) => `<nonXMLBody  ID = '${id}'  xsi:type="x" xml:lang="fi"\n\tz="a\tb\r\nc > d" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" >${inner}</nonXMLBody >`)],
    ['namespaces declared on component and unused ones on the root', d(13).replace('<component>', '<component xmlns:q="urn:q" xmlns:hl7fi="urn:hl7finland">').replace('<ClinicalDocument ', '<ClinicalDocument xmlns:unused="urn:unused" ')],
    ['attributes in other namespaces, sorted differently', withBody(d(14), (id, inner) => `<nonXMLBody b:z="1" a:y="2" ID="${id}" xmlns:b="urn:a" xmlns:a="urn:b">${inner}</nonXMLBody>`)],
    ['structuredBody with nested markup and empty elements', d(15).replace(BODY, (_m, id: string) => `<structuredBody ID="${id}"><component><section><title>Otsikko</title><text><paragraph>Rivi<br/>toinen</paragraph><content styleCode="Bold"></content></text></section></component></structuredBody>`)],
    ['whitespace and line breaks between body children', withBody(d(16), (id, inner) => `<nonXMLBody ID="${id}">\n  ${inner.replace('</text>', '</text>\n  ')}\n</nonXMLBody>`)],
  ];
  const dir = samplesDir();
  if (dir) {
    shapes.push(['public sample asia_S.xml as published (CRLF, comments, ep2 prefix)', readFileSync(`${dir}/asia_S.xml`, 'utf8')]);
    shapes.push(['public sample asia_S.xml, compact form', compactSample(`${dir}/asia_S.xml`)]);
  } else {
    console.log('  - the public sample is not in the corpus: ../shared/samples not found (set KGW_SAMPLES_DIR)');
  }
  return shapes;
}

/** A plain xml-crypto verifier (its default ID lookup), given the certificate out of band. */
function xmlCryptoVerifies(xml: string, signatureId: string, certPem: string): boolean {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const node = xpath.select1(`//*[local-name()='signature' and @ID='${signatureId}']/*[local-name()='Signature']`, doc as unknown as Node) as Node;
  const sx = new SignedXml({ publicCert: certPem });
  sx.loadSignature(node);
  try {
    return sx.checkSignature(xml);
  } catch {
    return false;
  }
}

describe('certs/kanta-signature-element: the direct signer is byte-compatible with xml-crypto', function () {
  this.timeout(60_000);
  let pki: TestPkiManifest;
  let cred: Credential;
  let shapes: Array<[string, string]>;

  before(async () => {
    pki = await initTestPki(tempDir('direct-signer'));
    cred = loadCredential(pki.signing[ORG1]!, {}, { usage: 'system-signature' });
    const prof = pki.signing[ORG1]!;
    shapes = corpus({ certPem: readFileSync(prof.certFile, 'utf8'), keyPem: readFileSync(prof.keyFile, 'utf8') });
  });

  it('makes the same bytes and the same receipt as xml-crypto on every shape, xmlsec1, xml-crypto, our verifier and the self-check accept them', () => {
    expect(shapes.length).to.be.at.least(16);
    for (const [name, xml] of shapes) {
      const direct = signSystem(xml, cred, { now: NOW, signatureId: 'sig_direct' });
      const reference = signSystem(xml, cred, { now: NOW, signatureId: 'sig_direct', engine: 'xml-crypto' });
      expect(direct.signedXml, name).to.equal(reference.signedXml);
      expect(direct.receipt, name).to.deep.equal(reference.receipt);
      expect(xmlsecVerifies(direct.signedXml, { trustedPem: pki.ca.certFile, signatureId: 'sig_direct' }), `xmlsec1: ${name}`).to.equal(true);
      expect(xmlCryptoVerifies(direct.signedXml, 'sig_direct', cred.certificatePem), `xml-crypto: ${name}`).to.equal(true);
      const ours = verifyDocumentSignatures(direct.signedXml, { onlySignatureId: 'sig_direct' });
      expect(ours.valid, `${name}: ${ours.reason}`).to.equal(true);
      expect(checkOwnSignature(direct.signedXml, 'sig_direct', cred.certificate, NOW), `self-check: ${name}`).to.deep.equal({ valid: true });
    }
  });

  it('a body changed after signing no longer verifies (the digest covers the body element)', () => {
    const { signedXml } = signSystem(sampleDoc(20), cred, { now: NOW, signatureId: 'sig_t' });
    const tampered = signedXml.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)(.)/, (_m, open: string, c: string) => open + (c === 'A' ? 'B' : 'A'));
    expect(tampered).to.not.equal(signedXml);
    expect(xmlsecVerifies(tampered, { trustedPem: pki.ca.certFile, signatureId: 'sig_t' })).to.equal(false);
    expect(xmlCryptoVerifies(tampered, 'sig_t', cred.certificatePem)).to.equal(false);
  });
});
