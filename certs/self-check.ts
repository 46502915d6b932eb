// The signer's self-check (signer.selfCheck, on by default): does the system signature just made verify
// in the bytes that will leave the gateway? A safety net against splicing mistakes, a key that does not
// belong to the KeyInfo certificate, or a serialisation that differs from what was signed. It verifies
// the two known references directly, on one fresh parse of the output:
// - the SignatureValue over the exclusive-canonical SignedInfo, with the public key of the signing
//   certificate, which must also be the certificate in KeyInfo;
// - the references read from that canonical SignedInfo (what the signature covers), exactly the
//   Kanta pair: #<signatureTimestamp ID> of this signature and #<body ID>, each with enveloped-signature
//   + exc-c14n and sha256, and each digest recomputed from the referenced element of the output;
// - every referenced ID unique over ID/Id/id, the timestamp inside this hl7fi:signature, the body at
//   ClinicalDocument/component/(nonXMLBody|structuredBody), the signature outside both (so the
//   enveloped-signature transform changes nothing);
// - the certificate valid now, with a signing key usage.
// It uses xml-crypto's canonicaliser (as the signer does) but none of its XPath lookups: the full
// verifier (verify.ts, for received documents and the CLI) costs several times as much per document,
// most of it finding elements. Receivers still verify everything (xmlsec1 and the Kanta double in tests).
import { createHash, verify as rsaVerify, type X509Certificate } from 'node:crypto';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { parseXmlSafely } from '../adapters/xml/safe-parse.ts';
import { ALG, BODY_ELEMENTS, DS_NS, HL7FI_NS, HL7_NS, ID_ATTRIBUTES } from './kanta-signature.ts';
import { canVerifySignatures, certificateFacts, validityAt } from './certificate-checks.ts';

export interface SelfCheckResult {
  valid: boolean;
  reason?: string;
}

const EXPECTED_TRANSFORMS = [ALG.envelopedSignature, ALG.excC14n];

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

function canonical(el: Element): string {
  return new ExclusiveCanonicalization().process(el, { defaultNsForPrefix: SignedXml.defaultNsForPrefix }).toString();
}

/** ID/Id/id values with their counts, and the elements holding each value as `ID` (one walk). */
function indexIds(doc: Document): { counts: Map<string, number>; byId: Map<string, Element> } {
  const counts = new Map<string, number>();
  const byId = new Map<string, Element>();
  const walk = (node: Node | null): void => {
    for (let n = node; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const el = n as Element;
      for (let a = 0; a < el.attributes.length; a++) {
        const at = el.attributes.item(a) as Attr;
        const local = at.localName ?? at.name;
        if (!(ID_ATTRIBUTES as readonly string[]).includes(local) || at.name.startsWith('xmlns')) continue;
        counts.set(at.value, (counts.get(at.value) ?? 0) + 1);
        if (local === 'ID') byId.set(at.value, el);
      }
      walk(el.firstChild);
    }
  };
  walk(doc.documentElement);
  return { counts, byId };
}

function isInside(node: Node, ancestor: Node): boolean {
  for (let p: Node | null = node; p; p = p.parentNode) if (p === ancestor) return true;
  return false;
}

export function checkOwnSignature(signedXml: string, signatureId: string, certificate: X509Certificate, now = new Date()): SelfCheckResult {
  const fail = (reason: string): SelfCheckResult => ({ valid: false, reason });
  let doc: Document;
  try {
    doc = parseXmlSafely(signedXml);
  } catch (err) {
    return fail(`the signed document is not well-formed (${(err as { code?: string }).code ?? 'error'})`);
  }
  const { counts, byId } = indexIds(doc);
  const unique = (id: string) => counts.get(id) === 1;
  const wrapper = byId.get(signatureId);
  if (!wrapper || !unique(signatureId) || wrapper.namespaceURI !== HL7FI_NS || wrapper.localName !== 'signature') return fail(`no unique hl7fi:signature ${signatureId}`);
  const sig = only(wrapper, DS_NS, 'Signature');
  const signedInfo = sig && only(sig, DS_NS, 'SignedInfo');
  const signatureValue = sig && text(only(sig, DS_NS, 'SignatureValue'));
  if (!sig || !signedInfo || !signatureValue) return fail('the ds:Signature needs one SignedInfo and one SignatureValue');
  const keyInfoCerts = sig.getElementsByTagNameNS(DS_NS, 'X509Certificate');
  if (keyInfoCerts.length !== 1 || text(keyInfoCerts.item(0) as Element) !== certificate.raw.toString('base64')) return fail('KeyInfo does not carry the signing certificate');
  if (validityAt(certificateFacts(certificate), now)) return fail('the signing certificate is not valid now');
  if (!canVerifySignatures(certificate)) return fail('the signing certificate has no signing key usage');

  // What the signature covers is the canonical SignedInfo: verify it, then read the references from it.
  const canonSignedInfo = canonical(signedInfo);
  if (!rsaVerify('sha256', Buffer.from(canonSignedInfo, 'utf8'), certificate.publicKey, Buffer.from(signatureValue, 'base64'))) {
    return fail('the signature value does not verify with the signing certificate');
  }
  let signed: Element;
  try {
    signed = parseXmlSafely(canonSignedInfo).documentElement;
  } catch {
    return fail('the canonical SignedInfo is not well-formed');
  }
  const alg = (parent: Element, name: string) => only(parent, DS_NS, name)?.getAttribute('Algorithm');
  if (alg(signed, 'CanonicalizationMethod') !== ALG.excC14n || alg(signed, 'SignatureMethod') !== ALG.rsaSha256) return fail('unexpected SignedInfo algorithms');
  if (only(only(signed, DS_NS, 'CanonicalizationMethod')!, DS_NS, 'InclusiveNamespaces')) return fail('unexpected InclusiveNamespaces');
  const timestamp = only(wrapper, HL7FI_NS, 'signatureTimestamp');
  const bodies = elementChildren(doc.documentElement, HL7_NS, 'component').flatMap((c) => BODY_ELEMENTS.flatMap((n) => elementChildren(c, HL7_NS, n)));
  if (doc.documentElement.namespaceURI !== HL7_NS || doc.documentElement.localName !== 'ClinicalDocument' || bodies.length !== 1 || !timestamp) return fail('not the Kanta shape');
  const expected = [timestamp, bodies[0] as Element];
  const refs = elementChildren(signed, DS_NS, 'Reference');
  if (refs.length !== expected.length) return fail(`expected ${expected.length} references, found ${refs.length}`);
  for (let k = 0; k < refs.length; k++) {
    const ref = refs[k] as Element;
    const id = (ref.getAttribute('URI') ?? '').replace(/^#/, '');
    const target = byId.get(id);
    if (!target || !unique(id) || target !== expected[k]) return fail(`reference #${id} is not the expected element, or its ID is not unique`);
    if (isInside(sig, target)) return fail(`reference #${id} encloses the signature`);
    const transforms = elementChildren(only(ref, DS_NS, 'Transforms') ?? ref, DS_NS, 'Transform').map((t) => t.getAttribute('Algorithm'));
    if (transforms.join(' ') !== EXPECTED_TRANSFORMS.join(' ') || alg(ref, 'DigestMethod') !== ALG.sha256) return fail(`reference #${id} has unexpected transforms or digest`);
    const digest = createHash('sha256').update(canonical(target), 'utf8').digest('base64');
    if (digest !== text(only(ref, DS_NS, 'DigestValue'))) return fail(`digest mismatch for reference #${id}`);
  }
  return { valid: true };
}
