// Verifies the signatures of an embedded CDA as the archive would (kanta.md §3 and check 6): every
// professional (ammattihenkilön) and system (järjestelmä-) signature in the signatureCollection;
// exc-c14n / rsa-sha256 / sha256 only, references to the body (and the signature's own timestamp,
// required for a system signature) each resolving to one unique element, xml-crypto's
// checkSignature (a throw and a false both mean invalid) plus getSignedReferences, and the signer
// certificate checked with Node's X509Certificate against the configured signing CAs. The KeyInfo
// certificate is only trusted after that chain check (libs.md: never trust KeyInfo as such).
import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { NS, attr, child, children, textOf } from '../xml/safe-parse.ts';
import { GatewayError } from '../../domain/errors.ts';
import { refuse } from './detail-codes.ts';
import { certificateFacts } from './certificate-facts.ts';
import type { CdaFacts } from './cda-reader.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SYSTEM_SIGNATURE = '3';
const PROFESSIONAL_SIGNATURE = '1';
const SERIAL_NUMBER_OID = '2.5.4.5';
const ID_ATTRIBUTES = ['ID', 'Id', 'id'];
const HEADER = '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:signatureCollection';

export interface TrustedSigningCas {
  certs: X509Certificate[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function refuseCa(index: number, why: string): never {
  throw new GatewayError('CONFIG_INVALID', `kanta-double signing CA #${index + 1} ${why}`, { details: { field: 'signingCaPems', index } });
}

/**
 * Loads the issuing CAs signer certificates may chain to. Each entry may be a bundle (a region loads
 * the DVV TEST chain it has: root and intermediates); every certificate in it must be a CA
 * (basicConstraints cA), so a leaf passed by mistake is refused at start, not at the first document.
 */
export function loadSigningCas(pems: string[]): TrustedSigningCas {
  const certs: X509Certificate[] = [];
  pems.forEach((text, i) => {
    const blocks = text.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0) refuseCa(i, 'holds no PEM certificate');
    for (const block of blocks) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(block);
      } catch {
        refuseCa(i, 'is not a readable certificate');
      }
      if (!cert.ca) refuseCa(i, `is not a CA certificate (basicConstraints cA is false): ${cert.subject.split('\n').join(', ')}`);
      certs.push(cert);
    }
  });
  return { certs };
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

/** Chain, key usage and validity for every signer; the subject serialNumber (undefined when absent) is only demanded of system signers. */
function checkCertificate(cert: X509Certificate, cas: TrustedSigningCas, at: Date, system: boolean): string | undefined {
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
  if (!serial && system) refuse('SIGNATURE_SIGNER_NOT_AUTHORISED', 'ds:X509Certificate subject serialNumber');
  return serial;
}

export interface SignaturePolicy {
  /** Subject serialNumbers the access point may present on a system signature. */
  allowedSystemSigners: string[];
  /** Refuse a document that carries no system signature (code 3), however many professional ones. */
  requireSystemSignature: boolean;
}

export interface VerifiedSignatures {
  /** Subject serialNumber of the system signer, when the document has a system signature. */
  systemSigner?: string;
  /** signatureDescription codes of the verified signatures, in document order. */
  kinds: string[];
}

/**
 * Verifies every hl7fi:signature of the signatureCollection, professional (code 1) and system (code 3)
 * alike: a document needs at least one, and one that does not verify refuses the whole document.
 * Reference rules follow the public samples (../shared/samples/README.md): a system signature signs its
 * timestamp and the body; a professional one signs the body and may sign its timestamp too.
 */
export function verifySignatures(cda: CdaFacts, cas: TrustedSigningCas, policy: SignaturePolicy): VerifiedSignatures {
  const root = cda.doc.documentElement as Element;
  const collection = child(child(root, NS.hl7fi, 'localSocialHeader'), NS.hl7fi, 'signatureCollection');
  const holders = children(collection, NS.hl7fi, 'signature');
  if (holders.length === 0) refuse('SIGNATURE_MISSING', HEADER);
  const kinds = holders.map((s) => attr(child(s, NS.hl7fi, 'signatureDescription'), 'code') ?? '');
  if (kinds.some((k) => k !== SYSTEM_SIGNATURE && k !== PROFESSIONAL_SIGNATURE)) refuse('SIGNATURE_KIND_UNKNOWN', `${HEADER}/hl7fi:signature/hl7fi:signatureDescription/@code`);
  if (policy.requireSystemSignature && !kinds.includes(SYSTEM_SIGNATURE)) refuse('SIGNATURE_MISSING', HEADER);
  const bodyId = `OID${cda.id}`;
  const out: VerifiedSignatures = { kinds };
  holders.forEach((holder, i) => {
    const system = kinds[i] === SYSTEM_SIGNATURE;
    const dsSignature = child(holder, NS.ds, 'Signature');
    if (!dsSignature) refuse('SIGNATURE_MISSING', `${HEADER}/hl7fi:signature/ds:Signature`);
    const timestamp = child(holder, NS.hl7fi, 'signatureTimestamp');
    const tsId = attr(timestamp, 'ID');
    const signedAt = new Date(textOf(timestamp) ?? '');
    if (!timestamp || !tsId) refuse('SIGNATURE_REFERENCE', `${HEADER}/hl7fi:signature/hl7fi:signatureTimestamp/@ID`);
    if (Number.isNaN(signedAt.getTime())) refuse('SIGNATURE_CERT_VALIDITY', `${HEADER}/hl7fi:signature/hl7fi:signatureTimestamp`);

    const refs = checkAlgorithms(child(dsSignature, NS.ds, 'SignedInfo'));
    const uris = refs.map((r) => attr(r, 'URI') ?? '');
    const allowed = system ? [[`#${tsId}`, `#${bodyId}`]] : [[`#${bodyId}`], [`#${tsId}`, `#${bodyId}`]];
    const sorted = [...uris].sort().join(' ');
    if (!allowed.some((set) => [...set].sort().join(' ') === sorted)) refuse('SIGNATURE_REFERENCE', 'ds:SignedInfo/ds:Reference/@URI');
    // Wrapping defence (libs.md §3): each referenced ID must name exactly the element the archive reads.
    if (uris.includes(`#${tsId}`)) {
      const tsTargets = elementsWithId(cda.doc, tsId);
      if (tsTargets.length !== 1 || tsTargets[0] !== timestamp) refuse('SIGNATURE_REFERENCE', 'hl7fi:signatureTimestamp/@ID');
    }
    const bodyTargets = elementsWithId(cda.doc, bodyId);
    if (bodyTargets.length !== 1 || bodyTargets[0]?.localName !== 'nonXMLBody' || bodyTargets[0]?.parentNode?.parentNode !== root) refuse('SIGNATURE_REFERENCE', 'nonXMLBody/@ID');

    const { pem, cert } = leafCertificate(dsSignature);
    let valid = false;
    try {
      const verifier = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
      verifier.loadSignature(dsSignature);
      valid = verifier.checkSignature(cda.xml) && verifier.getSignedReferences().length === uris.length;
    } catch {
      valid = false;
    }
    if (!valid) refuse('SIGNATURE_INVALID', `${HEADER}/hl7fi:signature[${i + 1}]/ds:Signature`);
    const serial = checkCertificate(cert, cas, signedAt, system);
    if (system) {
      if (!serial || !policy.allowedSystemSigners.includes(serial)) refuse('SIGNATURE_SIGNER_NOT_AUTHORISED', 'ds:X509Certificate subject serialNumber');
      out.systemSigner ??= serial;
    }
  });
  return out;
}
