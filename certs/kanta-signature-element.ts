// The ds:Signature of a Kanta system signature (kanta.md §3), computed directly instead of through
// xml-crypto's SignedXml: the shape is fixed (two same-document references, enveloped-signature +
// exc-c14n, sha256, rsa-sha256, KeyInfo = the leaf certificate), so nothing needs finding or deciding.
// - the timestamp's canonical form is written out: the element is ours (`ID` an NCName, the time an
//   ISO string), declared by its hl7fi:signature parent;
// - the body's canonical form comes from a DOM of the body element alone (canonical-element.ts),
//   canonicalised by xml-crypto's own ExclusiveCanonicalization with the options xml-crypto's signer
//   passes; comments are dropped as for any same-document reference (XML-DSig 1.1 §4.4.3.3); the
//   enveloped-signature transform changes
//   nothing, because the signature is outside both referenced elements (planInsertion in
//   system-signer.ts places it there);
// - SignedInfo is written as text, in xml-crypto's serialisation (the bytes sent) and in its
//   exclusive-canonical form (the bytes signed); one RSA-SHA256 signature over the latter.
// The output is byte for byte what xml-crypto makes for the same document, ID and time (RSA PKCS#1
// v1.5 is deterministic): test/certs/kanta-signature-element.test.ts compares the two engines on every
// test document and the public sample, and has xmlsec1 verify each. What it saves is the parse of the
// whole document, XPath selection and xml-crypto's DOM round trips: most of a signing thread's time.
import { createHash, sign as rsaSign, type KeyObject } from 'node:crypto';
import { ALG, DS_NS } from './kanta-signature.ts';
import { canonicalElementAt } from './canonical-element.ts';
import { cachedKeyInfoContent } from './id-indexed-signed-xml.ts';

export interface KantaSignatureInput {
  /** The document text the signature goes into (the tenant's bytes, before insertion). */
  xml: string;
  /** Offsets of the body element (nonXMLBody / structuredBody) in `xml`: '<' of its start tag to after its end tag. */
  body: { start: number; end: number };
  /** Namespace declarations in scope at the body's parent, prefix ('' = default) → URI, nearest declaration winning. */
  bodyScope: ReadonlyMap<string, string>;
  bodyId: string;
  timestampId: string;
  /** The signatureTimestamp text (xs:dateTime). */
  signedAt: string;
  privateKey: KeyObject;
  certificatePem: string;
}

const TRANSFORMS = [ALG.envelopedSignature, ALG.excC14n];

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** A Reference in xml-crypto's serialisation (`/>` empty elements) or canonical (start-end pairs). */
function reference(uri: string, digest: string, canonical: boolean): string {
  const empty = (qname: string, attrs: string) => (canonical ? `<${qname} ${attrs}></${qname}>` : `<${qname} ${attrs}/>`);
  return (
    `<ds:Reference URI="#${uri}"><ds:Transforms>` +
    TRANSFORMS.map((t) => empty('ds:Transform', `Algorithm="${t}"`)).join('') +
    `</ds:Transforms>${empty('ds:DigestMethod', `Algorithm="${ALG.sha256}"`)}<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`
  );
}

function signedInfo(refs: Array<[string, string]>, canonical: boolean): string {
  const empty = (qname: string, attrs: string) => (canonical ? `<${qname} ${attrs}></${qname}>` : `<${qname} ${attrs}/>`);
  return (
    `<ds:SignedInfo${canonical ? ` xmlns:ds="${DS_NS}"` : ''}>` +
    empty('ds:CanonicalizationMethod', `Algorithm="${ALG.excC14n}"`) +
    empty('ds:SignatureMethod', `Algorithm="${ALG.rsaSha256}"`) +
    refs.map(([uri, digest]) => reference(uri, digest, canonical)).join('') +
    `</ds:SignedInfo>`
  );
}

/** The canonical timestamp element (declared by its hl7fi:signature parent, so hl7fi renders on it). */
export function canonicalTimestamp(timestampId: string, signedAt: string): string {
  return `<hl7fi:signatureTimestamp xmlns:hl7fi="urn:hl7finland" ID="${timestampId}">${signedAt}</hl7fi:signatureTimestamp>`;
}

/** The ds:Signature text to put after the signatureTimestamp, and the body reference's digest. */
export function kantaSignatureElement(input: KantaSignatureInput): { signatureXml: string; bodyDigest: string } {
  const refs: Array<[string, string]> = [
    [input.timestampId, sha256(canonicalTimestamp(input.timestampId, input.signedAt))],
    [input.bodyId, sha256(canonicalElementAt(input.xml, input.body, input.bodyScope))],
  ];
  const value = rsaSign('sha256', Buffer.from(signedInfo(refs, true), 'utf8'), input.privateKey).toString('base64');
  const keyInfo = cachedKeyInfoContent({ publicCert: input.certificatePem, prefix: 'ds' });
  const signatureXml =
    `<ds:Signature xmlns:ds="${DS_NS}">${signedInfo(refs, false)}` +
    `<ds:SignatureValue>${value}</ds:SignatureValue>${keyInfo ? `<ds:KeyInfo>${keyInfo}</ds:KeyInfo>` : ''}</ds:Signature>`;
  return { signatureXml, bodyDigest: refs[1]![1] };
}
