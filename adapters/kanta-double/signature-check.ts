// Verifies the system signature (järjestelmäallekirjoitus) of an embedded CDA as the archive would
// (kanta.md §3 and check 6): exc-c14n / rsa-sha256 / sha256 only, exactly two references (the
// signature's own timestamp and the body) each resolving to one unique element, xml-crypto's
// checkSignature (a throw and a false both mean invalid) plus getSignedReferences, and the signer
// certificate checked with Node's X509Certificate against the configured signing CAs. The KeyInfo
// certificate is only trusted after that chain check (libs.md: never trust KeyInfo as such).
import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { NS, attr, child, children, textOf } from '../xml/safe-parse.ts';
import { refuse } from './detail-codes.ts';
import { certificateFacts } from './certificate-facts.ts';
import type { CdaFacts } from './cda-reader.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SYSTEM_SIGNATURE = '3';
const SERIAL_NUMBER_OID = '2.5.4.5';
const ID_ATTRIBUTES = ['ID', 'Id', 'id'];
const HEADER = '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:signatureCollection';

export interface TrustedSigningCas {
  certs: X509Certificate[];
}

export function loadSigningCas(pems: string[]): TrustedSigningCas {
  return { certs: pems.map((p) => new X509Certificate(p)) };
}

function elementsWithId(doc: Document, id: string): Element[] {
  const out: Element[] = [];
  const visit = (el: Element) => {
    for (const a of ID_ATTRIBUTES) if (el.getAttribute(a) === id) { out.push(el); break; }
    for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) visit(n as Element);
  };
  if (doc.documentElement) visit(doc.documentElement);
  return out;
}

function checkAlgorithms(signedInfo: Element | undefined): Element[] {
  if (!signedInfo) refuse('SIGNATURE_REFERENCE', `${HEADER}/hl7fi:signature/ds:Signature/ds:SignedInfo`);
  if (attr(child(signedInfo, NS.ds, 'CanonicalizationMethod'), 'Algorithm') !== EXC_C14N) refuse('SIGNATURE_ALGORITHM', 'ds:SignedInfo/ds:CanonicalizationMethod');
  if (attr(child(signedInfo, NS.ds, 'SignatureMethod'), 'Algorithm') !== RSA_SHA256) refuse('SIGNATURE_ALGORITHM', 'ds:SignedInfo/ds:SignatureMethod');
  const refs = children(signedInfo, NS.ds, 'Reference');
  for (const ref of refs) {
    if (attr(child(ref, NS.ds, 'DigestMethod'), 'Algorithm') !== SHA256) refuse('SIGNATURE_ALGORITHM', 'ds:Reference/ds:DigestMethod');
    for (const t of children(child(ref, NS.ds, 'Transforms'), NS.ds, 'Transform')) {
      const alg = attr(t, 'Algorithm');
      if (alg !== EXC_C14N && alg !== ENVELOPED) refuse('SIGNATURE_ALGORITHM', 'ds:Reference/ds:Transforms');
    }
  }
  return refs;
}

function leafCertificate(signature: Element): { pem: string; cert: X509Certificate } {
  const b64 = textOf(child(child(child(signature, NS.ds, 'KeyInfo'), NS.ds, 'X509Data'), NS.ds, 'X509Certificate'))?.replace(/\s+/g, '');
  if (!b64) refuse('SIGNATURE_CERT_UNTRUSTED', 'ds:KeyInfo/ds:X509Data/ds:X509Certificate');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  try {
    return { pem, cert: new X509Certificate(pem) };
  } catch {
    return refuse('SIGNATURE_CERT_UNTRUSTED', 'ds:KeyInfo/ds:X509Data/ds:X509Certificate');
  }
}

function within(cert: X509Certificate, at: Date): boolean {
  return Date.parse(cert.validFrom) <= at.getTime() && at.getTime() <= Date.parse(cert.validTo);
}

function checkCertificate(cert: X509Certificate, cas: TrustedSigningCas, at: Date): string {
  const issuer = cas.certs.find((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer || !within(issuer, at)) refuse('SIGNATURE_CERT_UNTRUSTED', 'ds:KeyInfo/ds:X509Data/ds:X509Certificate');
  let facts: ReturnType<typeof certificateFacts>;
  try {
    facts = certificateFacts(cert.raw);
  } catch {
    refuse('SIGNATURE_CERT_UNTRUSTED', 'ds:KeyInfo/ds:X509Data/ds:X509Certificate');
  }
  if (!facts.keyUsage || (!facts.keyUsage.digitalSignature && !facts.keyUsage.nonRepudiation)) refuse('SIGNATURE_CERT_KEY_USAGE', 'ds:KeyInfo/ds:X509Data/ds:X509Certificate');
  if (!within(cert, at)) refuse('SIGNATURE_CERT_VALIDITY', 'hl7fi:signatureTimestamp');
  const serial = facts.subject.get(SERIAL_NUMBER_OID)?.[0];
  if (!serial) refuse('SIGNATURE_SIGNER_NOT_AUTHORISED', 'ds:X509Certificate subject serialNumber');
  return serial;
}

/** Verifies every system signature of the document; returns the signer's subject serialNumber. */
export function verifySystemSignature(cda: CdaFacts, cas: TrustedSigningCas, allowedSigners: string[]): string {
  const root = cda.doc.documentElement as Element;
  const collection = child(child(root, NS.hl7fi, 'localSocialHeader'), NS.hl7fi, 'signatureCollection');
  const systemSignatures = children(collection, NS.hl7fi, 'signature')
    .filter((s) => attr(child(s, NS.hl7fi, 'signatureDescription'), 'code') === SYSTEM_SIGNATURE);
  if (systemSignatures.length === 0) refuse('SIGNATURE_MISSING', HEADER);
  const bodyId = `OID${cda.id}`;
  let signer = '';
  for (const holder of systemSignatures) {
    const dsSignature = child(holder, NS.ds, 'Signature');
    if (!dsSignature) refuse('SIGNATURE_MISSING', `${HEADER}/hl7fi:signature/ds:Signature`);
    const timestamp = child(holder, NS.hl7fi, 'signatureTimestamp');
    const tsId = attr(timestamp, 'ID');
    const signedAt = new Date(textOf(timestamp) ?? '');
    if (!timestamp || !tsId) refuse('SIGNATURE_REFERENCE', `${HEADER}/hl7fi:signature/hl7fi:signatureTimestamp/@ID`);
    if (Number.isNaN(signedAt.getTime())) refuse('SIGNATURE_CERT_VALIDITY', `${HEADER}/hl7fi:signature/hl7fi:signatureTimestamp`);

    const refs = checkAlgorithms(child(dsSignature, NS.ds, 'SignedInfo'));
    const uris = refs.map((r) => attr(r, 'URI') ?? '').sort();
    const expected = [`#${tsId}`, `#${bodyId}`].sort();
    if (uris.length !== 2 || uris[0] !== expected[0] || uris[1] !== expected[1]) refuse('SIGNATURE_REFERENCE', 'ds:SignedInfo/ds:Reference/@URI');
    // Wrapping defence (libs.md §3): each referenced ID must name exactly the element the archive reads.
    const tsTargets = elementsWithId(cda.doc, tsId);
    const bodyTargets = elementsWithId(cda.doc, bodyId);
    if (tsTargets.length !== 1 || tsTargets[0] !== timestamp) refuse('SIGNATURE_REFERENCE', 'hl7fi:signatureTimestamp/@ID');
    if (bodyTargets.length !== 1 || bodyTargets[0]?.localName !== 'nonXMLBody' || bodyTargets[0]?.parentNode?.parentNode !== root) refuse('SIGNATURE_REFERENCE', 'nonXMLBody/@ID');

    const { pem, cert } = leafCertificate(dsSignature);
    let valid = false;
    try {
      const verifier = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
      verifier.loadSignature(dsSignature);
      valid = verifier.checkSignature(cda.xml) && verifier.getSignedReferences().length === 2;
    } catch {
      valid = false;
    }
    if (!valid) refuse('SIGNATURE_INVALID', `${HEADER}/hl7fi:signature/ds:Signature`);
    signer = checkCertificate(cert, cas, signedAt);
    if (!allowedSigners.includes(signer)) refuse('SIGNATURE_SIGNER_NOT_AUTHORISED', 'ds:X509Certificate subject serialNumber');
  }
  return signer;
}
