// The gateway's system signature (järjestelmäallekirjoitus, kanta.md §3), exactly in the Kanta shape:
// localSocialHeader/signatureCollection/signature[@ID] with signatureDescription code 3, a UTC
// signatureTimestamp and a ds:Signature over the timestamp and the body (exc-c14n, rsa-sha256, sha256,
// enveloped-signature + exc-c14n transforms, KeyInfo = leaf certificate).
//
// The tenant's bytes are never re-serialised: the signature element is computed (directly, from the
// body element's own text: kanta-signature-element.ts; or by xml-crypto on a DOM of the whole document,
// the reference engine), then its text is spliced into the original string at the offset the scanner
// found. Everything outside the inserted element keeps its input bytes, so signatures already in the
// document and the body digest stay intact.
import { X509Certificate, randomUUID, type KeyObject } from 'node:crypto';
import { GatewayError } from '../domain/errors.ts';
import { ALG, BODY_ELEMENTS, HL7FI_NS, HL7_NS, ID_ATTRIBUTES, SIGNATURE_TYPE_CODE_SYSTEM } from './kanta-signature.ts';
import { certificateFacts, type CertificateFacts } from './certificate-checks.ts';
import { idIndexedSignedXml } from './id-indexed-signed-xml.ts';
import { kantaSignatureElement } from './kanta-signature-element.ts';
import { attributeByLocalName, namespaceScopeAt, scanElements, scannedChildren, type ScannedElement } from './xml-offsets.ts';
import type { SignatureReceipt } from '../domain/signature-receipt.ts';

export type { SignatureReceipt };

export interface SignerCredential {
  privateKey: KeyObject;
  /** Leaf certificate PEM (goes into KeyInfo). */
  certificatePem: string;
}

export interface SignOptions {
  now?: Date;
  /** hl7fi:signature/@ID; default sig_<uuid>. The timestamp ID is "CDA-timestamp." + this, as in the samples. */
  signatureId?: string;
  /** Verify own output (throws SIGN_SELF_CHECK_FAILED when it does not verify). */
  selfCheck?: (signedXml: string, signatureId: string) => { valid: boolean; reason?: string };
  /**
   * How the ds:Signature is computed: 'direct' (kanta-signature-element.ts, no DOM of the whole
   * document) or 'xml-crypto' (SignedXml on the whole document). Byte-identical output; xml-crypto is
   * kept as the reference the direct engine is tested against. @defaultValue 'direct'
   */
  engine?: 'direct' | 'xml-crypto';
}

interface Insertion {
  from: number;
  to: number;
  before: string;
  after: string;
  bodyId: string;
  /** nonXMLBody or structuredBody. */
  bodyElement: string;
  /** The body element's offsets in the input text. */
  body: { start: number; end: number };
  /** Namespace declarations in scope at the body's parent (prefix, '' = default → URI). */
  bodyScope: Map<string, string>;
}

const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const COLLECTION_OPEN = `<hl7fi:signatureCollection xmlns:hl7fi="${HL7FI_NS}">`;
const COLLECTION_CLOSE = '</hl7fi:signatureCollection>';
const XPATH_COLLECTION = "/*/*[local-name()='localSocialHeader']/*[local-name()='signatureCollection']";

function missing(field: string): GatewayError {
  return new GatewayError('INTAKE_MISSING_FIELD', `The CDA has no ${field}`, { details: { field } });
}

function invalid(field: string, reason: string): GatewayError {
  return new GatewayError('INTAKE_INVALID_FIELD', `${field}: ${reason}`, { details: { field, reason } });
}

/**
 * Intake refuses documents nested deeper than gateway.xml.maxDepth, which the configuration allows up to
 * 10 000: a deeper document never passed an intake, and recursive canonicalisers (xml-crypto's, a
 * receiver's) may not get through it. Refused for good, not retried (SIGN_DOCUMENT_UNSIGNABLE).
 */
const MAX_SIGNABLE_DEPTH = 10_000;

function refuseTooDeep(elements: readonly ScannedElement[]): void {
  const depth = new Int32Array(elements.length);
  for (let k = 1; k < elements.length; k++) {
    depth[k] = (depth[(elements[k] as ScannedElement).parent] as number) + 1;
    if ((depth[k] as number) >= MAX_SIGNABLE_DEPTH) throw new GatewayError('SIGN_DOCUMENT_UNSIGNABLE', `The document is nested deeper than ${MAX_SIGNABLE_DEPTH} levels`, { details: { limit: MAX_SIGNABLE_DEPTH } });
  }
}

/** Where the signature goes and which body it covers; refuses documents a signature could not safely bind to. */
function planInsertion(xml: string, newIds: string[]): Insertion {
  const elements = scanElements(xml);
  refuseTooDeep(elements);
  const root = elements[0] as ScannedElement;
  if (root.namespace !== HL7_NS || root.localName !== 'ClinicalDocument') throw new GatewayError('INTAKE_NOT_CDA');
  const headers = scannedChildren(elements, 0, HL7FI_NS, 'localSocialHeader');
  if (headers.length === 0) throw missing('hl7fi:localSocialHeader');
  if (headers.length > 1) throw invalid('hl7fi:localSocialHeader', 'appears more than once');
  const bodies = scannedChildren(elements, 0, HL7_NS, 'component').flatMap((c) => BODY_ELEMENTS.flatMap((name) => scannedChildren(elements, c, HL7_NS, name)));
  if (bodies.length === 0) throw missing('component/nonXMLBody or component/structuredBody');
  if (bodies.length > 1) throw invalid('component body', 'more than one body element');
  const body = elements[bodies[0] as number] as ScannedElement;
  const bodyId = attributeByLocalName(body, 'ID');
  if (!bodyId) throw missing(`${body.localName}/@ID`);
  if (!NCNAME.test(bodyId)) throw invalid(`${body.localName}/@ID`, 'is not an XML ID (NCName)');
  const docId = scannedChildren(elements, 0, HL7_NS, 'id').map((k) => (elements[k] as ScannedElement).attributes.root)[0];
  if (!docId) throw missing('id/@root');
  if (bodyId !== `OID${docId}`) throw invalid(`${body.localName}/@ID`, 'must be "OID" followed by the document id (kanta.md §3)');
  // A reference must resolve to exactly one element, or a wrapped copy could be what gets signed.
  const watched = new Set([bodyId, ...newIds]);
  const seen = new Map<string, number>();
  for (const el of elements) {
    for (const name of ID_ATTRIBUTES) {
      const v = attributeByLocalName(el, name);
      if (v !== undefined && watched.has(v)) seen.set(v, (seen.get(v) ?? 0) + 1);
    }
  }
  if ((seen.get(bodyId) ?? 0) !== 1) throw invalid('ID attributes', `the body ID occurs ${seen.get(bodyId)} times; it must be unique`);
  for (const id of newIds) if (seen.has(id)) throw invalid('ID attributes', `the new signature ID ${id} is already in the document`);

  const header = elements[headers[0] as number] as ScannedElement;
  const where = { bodyId, bodyElement: body.localName, body: { start: body.start, end: body.end }, bodyScope: namespaceScopeAt(elements, body.parent) };
  const collections = scannedChildren(elements, headers[0] as number, HL7FI_NS, 'signatureCollection');
  if (collections.length > 1) throw invalid('hl7fi:signatureCollection', 'appears more than once');
  const collection = collections.length ? (elements[collections[0] as number] as ScannedElement) : undefined;
  // `<x/>` is reopened as `<x>…</x>`: the only bytes of the tenant's text that change, in the unsigned header.
  const reopen = (el: ScannedElement) => ({ from: el.startTagEnd - 2, to: el.startTagEnd });
  if (collection && !collection.selfClosing) return { from: collection.endTagStart, to: collection.endTagStart, before: '', after: '', ...where };
  if (collection) {
    const at = reopen(collection);
    if (xml.slice(at.from, at.to) !== '/>') throw invalid('hl7fi:signatureCollection', 'unexpected empty-element syntax');
    return { ...at, before: '>', after: `</${collection.qname}>`, ...where };
  }
  if (!header.selfClosing) return { from: header.endTagStart, to: header.endTagStart, before: COLLECTION_OPEN, after: COLLECTION_CLOSE, ...where };
  return { ...reopen(header), before: `>${COLLECTION_OPEN}`, after: `${COLLECTION_CLOSE}</${header.qname}>`, ...where };
}

const signerCache = new Map<string, CertificateFacts>();

function signerFacts(cred: SignerCredential): CertificateFacts {
  const known = cred as Partial<CertificateFacts>;
  if (known.subject && known.serial && known.issuer && known.notAfter) return known as CertificateFacts;
  let facts = signerCache.get(cred.certificatePem);
  if (!facts) {
    facts = certificateFacts(new X509Certificate(cred.certificatePem));
    if (signerCache.size > 64) signerCache.clear();
    signerCache.set(cred.certificatePem, facts);
  }
  return facts;
}

/** The reference engine: xml-crypto's SignedXml over a DOM of the whole document with the signature skeleton in place. */
function signWithXmlCrypto(head: string, tail: string, plan: Insertion, signatureId: string, timestampId: string, cred: SignerCredential): { signatureXml: string; bodyDigest: string } {
  const sig = idIndexedSignedXml({
    privateKey: cred.privateKey,
    publicCert: cred.certificatePem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  }, { signatureOnly: true });
  const transforms = [ALG.envelopedSignature, ALG.excC14n];
  // Paths down the known structure (child steps only): `//*[@ID=…]` would walk every element of the
  // document, three times per signature. planInsertion made each ID unique, so both select the same element.
  const wrapperPath = `${XPATH_COLLECTION}/*[local-name()='signature' and @ID='${signatureId}']`;
  sig.addReference({ xpath: `${wrapperPath}/*[local-name()='signatureTimestamp' and @ID='${timestampId}']`, transforms, digestAlgorithm: ALG.sha256 });
  sig.addReference({ xpath: `/*/*[local-name()='component']/*[local-name()='${plan.bodyElement}' and @ID='${plan.bodyId}']`, transforms, digestAlgorithm: ALG.sha256 });
  sig.computeSignature(head + tail, { prefix: 'ds', location: { reference: wrapperPath, action: 'append' } });
  const signatureXml = sig.getSignatureXml();

  // xml-crypto does not keep computed digests on its references; read ours back from the text it made.
  const refAt = signatureXml.indexOf(`URI="#${plan.bodyId}"`);
  const bodyDigest = refAt < 0 ? undefined : /<ds:DigestValue>([^<]+)<\/ds:DigestValue>/.exec(signatureXml.slice(refAt))?.[1];
  if (!bodyDigest) throw new GatewayError('SIGN_FAILED', 'The signature xml-crypto made has no body reference');
  return { signatureXml, bodyDigest };
}

export function signSystem(cdaXml: string, cred: SignerCredential, opts: SignOptions = {}): { signedXml: string; receipt: SignatureReceipt } {
  const signatureId = opts.signatureId ?? `sig_${randomUUID()}`;
  if (!NCNAME.test(signatureId)) throw new GatewayError('REQUEST_INVALID', 'signatureId must be an XML NCName');
  const timestampId = `CDA-timestamp.${signatureId}`;
  const signedAt = (opts.now ?? new Date()).toISOString();
  const plan = planInsertion(cdaXml, [signatureId, timestampId]);

  const open =
    `<hl7fi:signature xmlns:hl7fi="${HL7FI_NS}" ID="${signatureId}">` +
    `<hl7fi:signatureDescription code="3" displayName="Järjestelmäallekirjoitus" codeSystem="${SIGNATURE_TYPE_CODE_SYSTEM}"/>` +
    `<hl7fi:signatureTimestamp ID="${timestampId}">${signedAt}</hl7fi:signatureTimestamp>`;
  const close = '</hl7fi:signature>';
  const head = cdaXml.slice(0, plan.from) + plan.before + open;
  const tail = close + plan.after + cdaXml.slice(plan.to);

  let signatureXml: string;
  let bodyDigest: string | undefined;
  try {
    if (opts.engine === 'xml-crypto') ({ signatureXml, bodyDigest } = signWithXmlCrypto(head, tail, plan, signatureId, timestampId, cred));
    else ({ signatureXml, bodyDigest } = kantaSignatureElement({ xml: cdaXml, body: plan.body, bodyScope: plan.bodyScope, bodyId: plan.bodyId, timestampId, signedAt, privateKey: cred.privateKey, certificatePem: cred.certificatePem }));
  } catch (err) {
    if (err instanceof GatewayError || err instanceof RangeError) throw err;
    throw new GatewayError('SIGN_FAILED', `The signature could not be computed: ${(err as Error).message.slice(0, 160)}`, { cause: err });
  }
  const signedXml = head + signatureXml + tail;
  const facts = signerFacts(cred);
  const receipt: SignatureReceipt = {
    signatureId,
    timestampId,
    signedAt,
    bodyId: plan.bodyId,
    bodyDigest,
    signer: {
      subject: facts.subject,
      ...(facts.subjectSerialNumber === undefined ? {} : { serialNumber: facts.subjectSerialNumber }),
      issuer: facts.issuer,
      certificateSerial: facts.serial,
      notAfter: facts.notAfter.toISOString(),
    },
    selfCheck: 'not-run',
  };
  if (opts.selfCheck) {
    const check = opts.selfCheck(signedXml, signatureId);
    if (!check.valid) throw new GatewayError('SIGN_SELF_CHECK_FAILED', undefined, { details: { signatureId, reason: check.reason } });
    receipt.selfCheck = 'passed';
  }
  return { signedXml, receipt };
}
