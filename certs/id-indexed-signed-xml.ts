// xml-crypto without its whole-document XPath scans. xml-crypto 6.3 scans the whole document
// (xpath over every element) to find each reference's element, once per ID attribute name
// (`Id`, `ID`, `id`), again for the element's ancestor namespaces, again for the first SignedInfo's
// ancestor namespaces, and again for every ds:Signature whenever a reference is canonicalised: some
// fifteen scans per sign + self-check, about two thirds of a signing thread's time
// (bench/e2e/profile-signing.ts). Here, with the same results:
// - IDs are dereferenced through the `ID` attribute only (Kanta's, kanta.md §3). verify.ts still
//   counts `ID`, `Id` and `id` over the whole document and refuses any referenced value that occurs
//   more than once, so a decoy under another attribute name is refused as before;
// - the element is found in an index built in one walk of the document xml-crypto parsed (a
//   duplicate throws, like xml-crypto's own wrapping guard);
// - ancestor namespaces are read from the element itself (what findAncestorNs does after its XPath
//   has selected that same element); for SignedInfo, from this signature's own SignedInfo;
// - the loaded signature is found again in xml-crypto's copy of the document by its SignatureValue
//   among the ds:Signature elements (getElementsByTagNameNS, not XPath), refusing two matches;
// - the KeyInfo text for a certificate is built once (xml-crypto re-parses the PEM on every signature).
// Everything else (SignedInfo re-read from its canonical form, transforms, digests, the signature
// value, getSignedReferences) stays xml-crypto's. The replaced methods are private in xml-crypto's
// typings, so they are set on the instance; test/certs/verify.test.ts and system-signer.test.ts pin
// the behaviour (wrapping, duplicates, tampering, byte-identical output accepted by xmlsec1).
import { SignedXml } from 'xml-crypto';
import { timingSafeEqual } from 'node:crypto';
import { findAncestorNsForElement, findChildren } from 'xml-crypto/lib/utils.js';
import type { GetKeyInfoContentArgs, Reference, SignedXmlOptions } from 'xml-crypto';

/** The one attribute a reference URI `#x` is resolved against. */
export const DEREFERENCE_ATTRIBUTE = 'ID';

const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
const INCLUSIVE_C14N = new Set(['http://www.w3.org/TR/2001/REC-xml-c14n-20010315', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments']);

interface Internals {
  idAttributes: string[];
  signatureNode: Node | null | undefined;
  canonicalizationAlgorithm: string | undefined;
  findLoadedSignature(node: Node): Node | null | undefined;
  getCanonSignedInfoXml(doc: Document): string;
  getCanonXml(transforms: readonly string[], node: Node, options?: object): string;
  validateReference(ref: Reference, doc: Document): string | false | undefined;
  getCanonReferenceXml(doc: Document, ref: Reference, node: Node): string;
  canonicalize(transforms: Reference['transforms'], node: Node, options: object, extra: { discardComments: boolean }): string;
  findHashAlgorithm(name: string): { getHash(xml: string): string };
  serialize(node: Node): string;
}

/** Every element carrying an `ID` attribute, by value, in document order (one walk, no XPath). */
function indexIds(doc: Document): Map<string, Element[]> {
  const index = new Map<string, Element[]>();
  const walk = (node: Node | null): void => {
    for (let n = node; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const el = n as Element;
      const attrs = el.attributes;
      for (let a = 0; a < attrs.length; a++) {
        const at = attrs.item(a) as Attr;
        if ((at.localName ?? at.name) === DEREFERENCE_ATTRIBUTE && !at.name.startsWith('xmlns')) {
          const list = index.get(at.value);
          if (list) list.push(el);
          else index.set(at.value, [el]);
        }
      }
      walk(el.firstChild);
    }
  };
  walk(doc.documentElement);
  return index;
}

/** Both digests decoded from base64 and compared in constant time (xml-crypto's advice for 7.0). */
function digestMatches(digest: string, expected: unknown): boolean {
  if (typeof expected !== 'string') return false;
  const a = Buffer.from(digest, 'base64');
  const b = Buffer.from(expected, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

const keyInfoByCertificate = new Map<string, string | null>();

/** SignedXml.getKeyInfoContent, memoised per certificate text and prefix (the same string every time). */
export function cachedKeyInfoContent(args?: GetKeyInfoContentArgs): string | null {
  if (!args || typeof args.publicCert !== 'string') return args ? SignedXml.getKeyInfoContent(args) : null;
  const key = `${args.prefix ?? ''}\n${args.publicCert}`;
  let content = keyInfoByCertificate.get(key);
  if (content === undefined) {
    content = SignedXml.getKeyInfoContent(args);
    if (keyInfoByCertificate.size >= 64) keyInfoByCertificate.clear();
    keyInfoByCertificate.set(key, content);
  }
  return content;
}

const signatureValueOf = (sig: Node): string | null | undefined => findChildren(sig as Element, 'SignatureValue')[0]?.textContent;

export interface IdIndexedOptions {
  /**
   * The caller reads only getSignatureXml() (the signer splices that text into the original string):
   * computeSignature then skips serialising the whole document twice (getSignedXml() and
   * getOriginalXmlWithIds() are empty).
   */
  signatureOnly?: boolean;
}

export function idIndexedSignedXml(options: SignedXmlOptions, extra: IdIndexedOptions = {}): SignedXml {
  const sx = new SignedXml({ getKeyInfoContent: cachedKeyInfoContent, ...options });
  const inner = sx as unknown as Internals;
  if (extra.signatureOnly) {
    const serialize = inner.serialize.bind(sx);
    inner.serialize = (node) => (node.nodeType === 9 ? '' : serialize(node));
  }
  inner.idAttributes = [DEREFERENCE_ATTRIBUTE];
  const indexes = new WeakMap<Document, Map<string, Element[]>>();
  const originalSignedInfoCanon = inner.getCanonSignedInfoXml.bind(sx);

  inner.findLoadedSignature = (node) => {
    const doc = (node.ownerDocument ?? node) as Document;
    const loaded = inner.signatureNode;
    if (loaded == null || loaded.ownerDocument === doc) return loaded;
    const value = signatureValueOf(loaded);
    if (!value) return null;
    const all = doc.getElementsByTagNameNS(DS_NS, 'Signature');
    const matches: Element[] = [];
    for (let i = 0; i < all.length; i++) if (signatureValueOf(all.item(i) as Element) === value) matches.push(all.item(i) as Element);
    if (matches.length > 1) throw new Error('Cannot validate a document which contains multiple Signature elements with the same SignatureValue, in order to prevent signature wrapping attack.');
    return matches[0] ?? null;
  };

  inner.getCanonSignedInfoXml = (doc) => {
    const alg = inner.canonicalizationAlgorithm;
    // Inclusive c14n needs the whole document's context: left to xml-crypto (verify.ts admits exc-c14n only).
    if (inner.signatureNode == null || typeof alg !== 'string' || INCLUSIVE_C14N.has(alg)) return originalSignedInfoCanon(doc);
    const signedInfo = findChildren(inner.signatureNode as Element, 'SignedInfo');
    if (signedInfo.length === 0) throw new Error('could not find SignedInfo element in the message');
    if (signedInfo.length > 1) throw new Error('could not get canonicalized signed info for a signature that contains multiple SignedInfo nodes');
    return inner.getCanonXml([alg], signedInfo[0] as Element, { ancestorNamespaces: findAncestorNsForElement(signedInfo[0] as Element) });
  };

  inner.getCanonReferenceXml = (_doc, ref, node) => {
    if (Array.isArray(ref.transforms)) ref.ancestorNamespaces = findAncestorNsForElement(node as Element);
    const c14nOptions = { inclusiveNamespacesPrefixList: ref.inclusiveNamespacesPrefixList, ancestorNamespaces: ref.ancestorNamespaces };
    // Same-document references dereference without comments (XML-DSig 1.1 §4.4.3.3), as in xml-crypto.
    const discardComments = ref.uri === '' || (ref.uri ?? '').startsWith('#');
    return inner.canonicalize(ref.transforms, node, c14nOptions, { discardComments });
  };

  inner.validateReference = (ref, doc) => {
    const uri = ref.uri?.[0] === '#' ? ref.uri.slice(1) : ref.uri;
    // verify.ts admits only `#id` references; an empty or whole-document URI is not resolved here.
    if (!uri) {
      ref.validationError = new Error('invalid signature: only same-document ID references are resolved');
      return undefined;
    }
    if (uri.includes("'")) throw new Error('Cannot validate a uri with quotes inside it');
    let index = indexes.get(doc);
    if (!index) {
      index = indexIds(doc);
      indexes.set(doc, index);
    }
    const found = index.get(uri) ?? [];
    if (found.length > 1) {
      throw new Error('Cannot validate a document which contains multiple elements with the same value for the ID attribute, in order to prevent signature wrapping attack.');
    }
    const elem = found[0];
    if (!elem) {
      ref.validationError = new Error(`invalid signature: the signature references an element with uri ${ref.uri} but could not find such element in the xml`);
      return undefined;
    }
    ref.xpath = `//*[@*[local-name(.)='${DEREFERENCE_ATTRIBUTE}']='${uri}']`;
    const canonXml = inner.getCanonReferenceXml(doc, ref, elem);
    const digest = inner.findHashAlgorithm(ref.digestAlgorithm ?? '').getHash(canonXml);
    if (!digestMatches(digest, ref.digestValue)) {
      ref.validationError = new Error(`invalid signature: for uri ${ref.uri} calculated digest is ${digest} but the xml to validate supplies digest ${String(ref.digestValue)}`);
      return undefined;
    }
    return canonXml;
  };
  return sx;
}
