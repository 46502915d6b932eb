// The signer's self-check (signer.selfCheck, on by default): does the system signature just made verify
// in the bytes that will leave the gateway? A safety net against splicing mistakes, a key that does not
// belong to the KeyInfo certificate, or a serialisation that differs from what was signed. It verifies
// the two known references directly, on the output text:
// - the whole output is scanned once (xml-offsets.ts: every tag, matching end tags, namespaces), which
//   places each element by its offsets; no DOM of the whole document is built;
// - the SignatureValue over the exclusive-canonical SignedInfo, canonicalised from a DOM of the
//   ds:Signature element as the output carries it (not from the text the signer signed), with the
//   public key of the signing certificate, which must also be the certificate in KeyInfo;
// - the references read from that canonical SignedInfo (what the signature covers), exactly the
//   Kanta pair: #<signatureTimestamp ID> of this signature and #<body ID>, each with enveloped-signature
//   + exc-c14n and sha256, and each digest recomputed from the referenced element's text in the output
//   (canonical-element.ts; the signer writes the timestamp's canonical form out by hand);
// - every referenced ID unique over ID/Id/id, the timestamp inside this hl7fi:signature, the body at
//   ClinicalDocument/component/(nonXMLBody|structuredBody), the signature in neither (so the
//   enveloped-signature transform changes nothing);
// - the certificate valid now, with a signing key usage.
// The full verifier (verify.ts, for received documents and the CLI) costs several times as much per
// document. Receivers still verify everything (xmlsec1 and the Kanta double in tests).
import { createHash, verify as rsaVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { ALG, BODY_ELEMENTS, DS_NS, HL7FI_NS, HL7_NS, ID_ATTRIBUTES } from './kanta-signature.ts';
import { canVerifySignatures, certificateFacts, validityAt } from './certificate-checks.ts';
import { canonicalElementAt, canonicalReferenceOf, parseElementAt } from './canonical-element.ts';
import { namespaceScopeAt, scanElements, scannedChildren, type ScannedElement } from './xml-offsets.ts';

export interface SelfCheckResult {
  valid: boolean;
  reason?: string;
}

const EXPECTED_TRANSFORMS = [ALG.envelopedSignature, ALG.excC14n];
const ID_NAMES: ReadonlySet<string> = new Set(ID_ATTRIBUTES);

/** What the check needs of the signing certificate, read once per certificate object. */
const certificateParts = new WeakMap<X509Certificate, { base64: string; publicKey: KeyObject }>();

function partsOf(certificate: X509Certificate): { base64: string; publicKey: KeyObject } {
  let parts = certificateParts.get(certificate);
  if (!parts) {
    parts = { base64: certificate.raw.toString('base64'), publicKey: certificate.publicKey };
    certificateParts.set(certificate, parts);
  }
  return parts;
}

function elementChildren(parent: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName) out.push(n as Element);
  }
  return out;
}

function only(parent: Node, ns: string, localName: string): Element | undefined {
  const found = elementChildren(parent, ns, localName);
  return found.length === 1 ? found[0] : undefined;
}

const text = (el: Element | undefined) => (el?.textContent ?? '').replace(/\s+/g, '');

/** ID/Id/id values with their counts, and the elements holding each value as `ID` (from the scan). */
function indexIds(elements: readonly ScannedElement[]): { counts: Map<string, number>; byId: Map<string, number> } {
  const counts = new Map<string, number>();
  const byId = new Map<string, number>();
  elements.forEach((el, k) => {
    for (const [name, value] of Object.entries(el.attributes)) {
      if (name.startsWith('xmlns')) continue;
      const colon = name.indexOf(':');
      const local = colon < 0 ? name : name.slice(colon + 1);
      if (!ID_NAMES.has(local)) continue;
      counts.set(value, (counts.get(value) ?? 0) + 1);
      if (local === 'ID') byId.set(value, k);
    }
  });
  return { counts, byId };
}

function onlyScanned(elements: readonly ScannedElement[], parent: number, ns: string, localName: string): number | undefined {
  const found = scannedChildren(elements, parent, ns, localName);
  return found.length === 1 ? found[0] : undefined;
}

export function checkOwnSignature(signedXml: string, signatureId: string, certificate: X509Certificate, now = new Date()): SelfCheckResult {
  const fail = (reason: string): SelfCheckResult => ({ valid: false, reason });
  let elements: ScannedElement[];
  try {
    elements = scanElements(signedXml);
  } catch (err) {
    return fail(`the signed document is not well-formed (${(err as { code?: string }).code ?? 'error'})`);
  }
  const { counts, byId } = indexIds(elements);
  const unique = (id: string) => counts.get(id) === 1;
  const wrapperAt = byId.get(signatureId);
  const wrapper = wrapperAt === undefined ? undefined : elements[wrapperAt];
  if (wrapperAt === undefined || !wrapper || !unique(signatureId) || wrapper.namespace !== HL7FI_NS || wrapper.localName !== 'signature') return fail(`no unique hl7fi:signature ${signatureId}`);
  const sigAt = onlyScanned(elements, wrapperAt, DS_NS, 'Signature');
  if (sigAt === undefined) return fail('the ds:Signature needs one SignedInfo and one SignatureValue');
  const sigRange = elements[sigAt] as ScannedElement;

  // The ds:Signature as the output carries it, in its namespace context.
  let sig: Element;
  try {
    sig = parseElementAt(signedXml, sigRange, namespaceScopeAt(elements, wrapperAt));
  } catch {
    return fail('the ds:Signature does not parse');
  }
  const signedInfo = only(sig, DS_NS, 'SignedInfo');
  const signatureValue = text(only(sig, DS_NS, 'SignatureValue'));
  if (!signedInfo || !signatureValue) return fail('the ds:Signature needs one SignedInfo and one SignatureValue');
  const { base64, publicKey } = partsOf(certificate);
  const keyInfoCerts = sig.getElementsByTagNameNS(DS_NS, 'X509Certificate');
  if (keyInfoCerts.length !== 1 || text(keyInfoCerts.item(0) as Element) !== base64) return fail('KeyInfo does not carry the signing certificate');
  if (validityAt(certificateFacts(certificate), now)) return fail('the signing certificate is not valid now');
  if (!canVerifySignatures(certificate)) return fail('the signing certificate has no signing key usage');

  // What the signature covers is the canonical SignedInfo: verify it, then read the references from it.
  const canonSignedInfo = canonicalReferenceOf(signedInfo);
  if (!rsaVerify('sha256', Buffer.from(canonSignedInfo, 'utf8'), publicKey, Buffer.from(signatureValue, 'base64'))) {
    return fail('the signature value does not verify with the signing certificate');
  }
  const problems: string[] = [];
  const report = (m: string) => problems.push(m);
  const signed = (new DOMParser({ errorHandler: { warning: report, error: report, fatalError: report } }).parseFromString(canonSignedInfo, 'text/xml') as unknown as Document)?.documentElement;
  if (!signed || problems.length > 0) return fail('the canonical SignedInfo is not well-formed');
  const alg = (parent: Element, name: string) => only(parent, DS_NS, name)?.getAttribute('Algorithm');
  if (alg(signed, 'CanonicalizationMethod') !== ALG.excC14n || alg(signed, 'SignatureMethod') !== ALG.rsaSha256) return fail('unexpected SignedInfo algorithms');
  if (only(only(signed, DS_NS, 'CanonicalizationMethod')!, DS_NS, 'InclusiveNamespaces')) return fail('unexpected InclusiveNamespaces');

  const root = elements[0] as ScannedElement;
  const timestampAt = onlyScanned(elements, wrapperAt, HL7FI_NS, 'signatureTimestamp');
  const bodies = scannedChildren(elements, 0, HL7_NS, 'component').flatMap((c) => BODY_ELEMENTS.flatMap((n) => scannedChildren(elements, c, HL7_NS, n)));
  if (root.namespace !== HL7_NS || root.localName !== 'ClinicalDocument' || bodies.length !== 1 || timestampAt === undefined) return fail('not the Kanta shape');
  const expected = [timestampAt, bodies[0] as number];
  const refs = elementChildren(signed, DS_NS, 'Reference');
  if (refs.length !== expected.length) return fail(`expected ${expected.length} references, found ${refs.length}`);
  for (let k = 0; k < refs.length; k++) {
    const ref = refs[k] as Element;
    const id = (ref.getAttribute('URI') ?? '').replace(/^#/, '');
    const targetAt = byId.get(id);
    if (targetAt === undefined || !unique(id) || targetAt !== expected[k]) return fail(`reference #${id} is not the expected element, or its ID is not unique`);
    const target = elements[targetAt] as ScannedElement;
    if (sigRange.start >= target.start && sigRange.end <= target.end) return fail(`reference #${id} encloses the signature`);
    const transforms = elementChildren(only(ref, DS_NS, 'Transforms') ?? ref, DS_NS, 'Transform').map((t) => t.getAttribute('Algorithm'));
    if (transforms.join(' ') !== EXPECTED_TRANSFORMS.join(' ') || alg(ref, 'DigestMethod') !== ALG.sha256) return fail(`reference #${id} has unexpected transforms or digest`);
    let canonical: string;
    try {
      canonical = canonicalElementAt(signedXml, target, namespaceScopeAt(elements, target.parent));
    } catch {
      return fail(`reference #${id} does not parse`);
    }
    const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
    if (digest !== text(only(ref, DS_NS, 'DigestValue'))) return fail(`digest mismatch for reference #${id}`);
  }
  return { valid: true };
}
