// Verifies the XML-DSig signatures of a Kanta CDA: tenant-applied (professional or system) signatures
// on intake, the gateway's own as a self-check, and the CLI `verify`. Defences, each from a known
// xml-crypto pitfall (libs.md §3):
// - wrapping: every referenced ID must occur once in the document and belong to *the* body
//   (ClinicalDocument/component/nonXMLBody|structuredBody) or to this signature's own timestamp, and the
//   signed reference text must equal the canonical body the gateway reads (getSignedReferences only);
// - algorithms: only exc-c14n, rsa-sha256, sha256 and enveloped-signature, checked before xml-crypto runs;
// - a thrown error and a `false` from checkSignature both mean invalid;
// - KeyInfo is never trusted blindly: its certificate becomes the key only after validity at the
//   signature time, key usage, expected organisation and (with a CA bundle) chain checks.
import type { X509Certificate } from 'node:crypto';
import { GatewayError } from '../domain/errors.ts';
import { attr, child, children, parseXmlSafely, textOf } from '../adapters/xml/safe-parse.ts';
import { ALLOWED, BODY_ELEMENTS, DS_NS, HL7FI_NS, HL7_NS, ID_ATTRIBUTES, SIGNATURE_KIND_BY_CODE, type SignatureKind } from './kanta-signature.ts';
import { cachedPemToCertificates, canVerifySignatures, certificateFacts, certificateFromBase64, chainProblem, validityAt } from './certificate-checks.ts';
import { idIndexedSignedXml } from './id-indexed-signed-xml.ts';

export interface VerifyOptions {
  /** CA bundle(s) the signer certificate must chain to; without it only the embedded certificate is used (chainChecked: false). */
  trustedCaPems?: string[];
  /** Subject serialNumber (organisation OID) a system signature's certificate must carry, any of these (professional signatures name a person). */
  expectedSignerOids?: string[];
  /** Reference "now": a signatureTimestamp later than now + 5 min is refused. @defaultValue new Date() */
  now?: Date;
  /** Require at least one valid system signature (signatureDescription code 3). */
  requireSystemSignature?: boolean;
  /** Check only the hl7fi:signature with this ID (the signer's self-check); other signatures are not evaluated. */
  onlySignatureId?: string;
}

export interface SignerSummary {
  subject: string;
  serialNumber?: string;
  issuer: string;
  certificateSerial: string;
  notAfter: string;
}

export interface SignatureCheck {
  id: string;
  kind: SignatureKind | 'unknown';
  valid: boolean;
  reason?: string;
  signedAt?: string;
  signer?: SignerSummary;
  /** Reference URIs in SignedInfo order. */
  references: string[];
  chainChecked: boolean;
  /** Of a valid signature: the body reference's DigestValue and the signatureTimestamp's ID. */
  bodyDigest?: string;
  timestampId?: string;
}

export interface VerificationResult {
  valid: boolean;
  reason?: string;
  chainChecked: boolean;
  signatures: SignatureCheck[];
}

const CLOCK_SKEW_MS = 5 * 60_000;
const XS_DATETIME_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$/;

interface DocumentContext {
  xml: string;
  body: Element;
  bodyId: string;
  idCounts: Map<string, number>;
  trusted: X509Certificate[];
  opts: VerifyOptions;
  now: Date;
}

function parseTimestamp(text: string | undefined): Date | undefined {
  const m = text ? XS_DATETIME_UTC.exec(text) : null;
  if (!m) return undefined;
  // Kanta samples carry 7 fractional digits (.NET); Date keeps milliseconds.
  const d = new Date(`${m[1]}${(m[2] ?? '').slice(0, 4)}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function countIds(doc: Document): Map<string, number> {
  const counts = new Map<string, number>();
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const el = all.item(i) as Element;
    for (let a = 0; a < el.attributes.length; a++) {
      const at = el.attributes.item(a) as Attr;
      const local = at.localName ?? at.name;
      if ((ID_ATTRIBUTES as readonly string[]).includes(local) && !at.name.startsWith('xmlns')) counts.set(at.value, (counts.get(at.value) ?? 0) + 1);
    }
  }
  return counts;
}

function algorithmOf(parent: Element, name: string): string | undefined {
  const els = children(parent, DS_NS, name);
  return els.length === 1 ? attr(els[0], 'Algorithm') : undefined;
}

function shortError(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const digest = /for uri (\S+) calculated digest/.exec(message);
  if (digest) return `digest mismatch for reference ${digest[1]}`;
  if (/signature value .* is incorrect/.test(message)) return 'signature value does not verify with the signer certificate';
  return message.slice(0, 200);
}

function checkSignature(wrapper: Element, ctx: DocumentContext): SignatureCheck {
  const out: SignatureCheck = { id: attr(wrapper, 'ID') ?? '(no ID)', kind: 'unknown', valid: false, references: [], chainChecked: false };
  const fail = (reason: string): SignatureCheck => ({ ...out, valid: false, reason });

  const code = attr(child(wrapper, HL7FI_NS, 'signatureDescription'), 'code');
  const kind = code === undefined ? undefined : SIGNATURE_KIND_BY_CODE[code];
  if (!kind) return fail(`unknown signatureDescription code ${code ?? '(missing)'}`);
  out.kind = kind;
  const timestamps = children(wrapper, HL7FI_NS, 'signatureTimestamp');
  if (timestamps.length !== 1) return fail('needs exactly one hl7fi:signatureTimestamp');
  const tsId = attr(timestamps[0], 'ID');
  const signedAt = parseTimestamp(textOf(timestamps[0]));
  if (!tsId || !signedAt) return fail('signatureTimestamp needs an ID and a UTC xs:dateTime value');
  out.signedAt = signedAt.toISOString();
  if (signedAt.getTime() > ctx.now.getTime() + CLOCK_SKEW_MS) return fail('signatureTimestamp lies in the future');

  const sigs = children(wrapper, DS_NS, 'Signature');
  if (sigs.length !== 1) return fail('needs exactly one ds:Signature');
  const sigEl = sigs[0] as Element;
  const signedInfos = children(sigEl, DS_NS, 'SignedInfo');
  if (signedInfos.length !== 1) return fail('needs exactly one ds:SignedInfo');
  const signedInfo = signedInfos[0] as Element;
  const c14n = algorithmOf(signedInfo, 'CanonicalizationMethod');
  if (!c14n || !ALLOWED.canonicalization.has(c14n)) return fail(`canonicalization ${c14n ?? '(missing)'} is not allowed`);
  const method = algorithmOf(signedInfo, 'SignatureMethod');
  if (!method || !ALLOWED.signature.has(method)) return fail(`signature method ${method ?? '(missing)'} is not allowed`);
  for (const ref of children(signedInfo, DS_NS, 'Reference')) {
    const uri = attr(ref, 'URI') ?? '';
    out.references.push(uri);
    if (!uri.startsWith('#') || uri.length < 2) return fail(`reference URI "${uri}" is not a same-document ID reference`);
    const digest = algorithmOf(ref, 'DigestMethod');
    if (!digest || !ALLOWED.digest.has(digest)) return fail(`digest method ${digest ?? '(missing)'} is not allowed`);
    for (const transforms of children(ref, DS_NS, 'Transforms')) {
      for (const t of children(transforms, DS_NS, 'Transform')) {
        const alg = attr(t, 'Algorithm') ?? '';
        if (!ALLOWED.transform.has(alg) || t.firstChild) return fail(`transform ${alg || '(missing)'} is not allowed`);
      }
    }
  }
  const ids = out.references.map((u) => u.slice(1));
  if (new Set(ids).size !== ids.length) return fail('a reference is repeated');
  if (!ids.includes(ctx.bodyId)) return fail(`the body #${ctx.bodyId} is not referenced`);
  const others = ids.filter((id) => id !== ctx.bodyId && id !== tsId);
  if (others.length > 0) return fail(`reference #${others[0]} is neither the body nor this signature's timestamp`);
  if (kind === 'system' && !ids.includes(tsId)) return fail('a system signature must reference its signatureTimestamp');
  for (const id of ids) {
    const n = ctx.idCounts.get(id) ?? 0;
    if (n !== 1) return fail(`ID ${id} occurs ${n} times in the document; it must be unique`);
  }

  const certEls = sigEl.getElementsByTagNameNS(DS_NS, 'X509Certificate');
  const certText = certEls.length > 0 ? textOf(certEls.item(0) as Element) : undefined;
  if (!certText) return fail('KeyInfo carries no X509Certificate');
  let cert: X509Certificate;
  try {
    cert = certificateFromBase64(certText);
  } catch {
    return fail('the KeyInfo certificate cannot be read');
  }
  const facts = certificateFacts(cert);
  out.signer = {
    subject: facts.subject,
    ...(facts.subjectSerialNumber === undefined ? {} : { serialNumber: facts.subjectSerialNumber }),
    issuer: facts.issuer,
    certificateSerial: facts.serial,
    notAfter: facts.notAfter.toISOString(),
  };
  const validity = validityAt(facts, signedAt);
  if (validity) return fail(validity === 'CERT_EXPIRED' ? 'the signer certificate had expired at the signature time' : 'the signer certificate was not yet valid at the signature time');
  if (!canVerifySignatures(cert)) return fail('the signer certificate allows neither nonRepudiation nor digitalSignature');
  // Whose organisation signs is a question for system signatures only: a professional signature carries
  // a person's certificate (DVV professional card), which names no organisation.
  const expected = kind === 'system' ? ctx.opts.expectedSignerOids : undefined;
  if (expected && expected.length > 0 && !expected.includes(facts.subjectSerialNumber ?? '')) {
    return fail(`the signer certificate belongs to ${facts.subjectSerialNumber ?? '(no serialNumber)'}, not an expected organisation`);
  }
  if (ctx.trusted.length > 0) {
    const problem = chainProblem(cert, ctx.trusted, signedAt);
    if (problem) return fail(problem);
    out.chainChecked = true;
  }

  // The key is the checked certificate's (a KeyObject: no PEM parse per signature), never KeyInfo's by itself.
  const verifier = idIndexedSignedXml({ publicCert: cert.publicKey, getCertFromKeyInfo: () => null });
  try {
    verifier.loadSignature(sigEl);
    if (verifier.checkSignature(ctx.xml) !== true) {
      const refError = verifier.getReferences().find((r) => r.validationError)?.validationError;
      return fail(refError ? shortError(refError) : 'the signature does not verify');
    }
  } catch (err) {
    return fail(shortError(err));
  }
  // Trust only what checkSignature authenticated: the signed body text must be the body we read.
  const signed = verifier.getSignedReferences();
  const bodyRef = verifier.getReferences().find((r) => r.uri === `#${ctx.bodyId}`);
  if (signed.length !== ids.length || !bodyRef?.signedReference) return fail('not every reference was authenticated');
  if (verifier.getCanonXml(bodyRef.transforms, ctx.body) !== bodyRef.signedReference) return fail('the signed body is not the document body');
  return { ...out, valid: true, ...(bodyRef.digestValue ? { bodyDigest: String(bodyRef.digestValue) } : {}), ...(ids.includes(tsId) ? { timestampId: tsId } : {}) };
}

function invalidDocument(reason: string): VerificationResult {
  return { valid: false, reason, chainChecked: false, signatures: [] };
}

export function verifyDocumentSignatures(xml: string, opts: VerifyOptions = {}): VerificationResult {
  let trusted: X509Certificate[] = [];
  try {
    trusted = (opts.trustedCaPems ?? []).flatMap((p) => cachedPemToCertificates(p));
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', 'The trusted CA bundle holds an unreadable certificate', { cause: err });
  }
  if ((opts.trustedCaPems ?? []).length > 0 && trusted.length === 0) throw new GatewayError('CERT_LOAD_FAILED', 'The trusted CA bundle holds no certificate');
  let doc: Document;
  try {
    doc = parseXmlSafely(xml);
  } catch (err) {
    return invalidDocument(`not readable as XML (${(err as GatewayError).code ?? 'error'})`);
  }
  const root = doc.documentElement;
  if (root.namespaceURI !== HL7_NS || root.localName !== 'ClinicalDocument') return invalidDocument('not an HL7 CDA ClinicalDocument');
  const bodies = children(root, HL7_NS, 'component').flatMap((c) => BODY_ELEMENTS.flatMap((n) => children(c, HL7_NS, n)));
  if (bodies.length !== 1) return invalidDocument(`the document must have exactly one body element, found ${bodies.length}`);
  const body = bodies[0] as Element;
  const bodyId = attr(body, 'ID');
  if (!bodyId) return invalidDocument('the body element has no ID');

  const wrappers = children(root, HL7FI_NS, 'localSocialHeader')
    .flatMap((h) => children(h, HL7FI_NS, 'signatureCollection'))
    .flatMap((c) => children(c, HL7FI_NS, 'signature'));
  const placed = new Set(wrappers.flatMap((w) => children(w, DS_NS, 'Signature')));
  const allSignatures = doc.getElementsByTagNameNS(DS_NS, 'Signature');
  for (let i = 0; i < allSignatures.length; i++) {
    if (!placed.has(allSignatures.item(i) as Element)) return invalidDocument('a ds:Signature lies outside localSocialHeader/signatureCollection/signature');
  }
  const selected = opts.onlySignatureId === undefined ? wrappers : wrappers.filter((w) => attr(w, 'ID') === opts.onlySignatureId);
  if (selected.length === 0) return invalidDocument(opts.onlySignatureId ? `no signature with ID ${opts.onlySignatureId}` : 'the document carries no signature');

  const ctx: DocumentContext = { xml, body, bodyId, idCounts: countIds(doc), trusted, opts, now: opts.now ?? new Date() };
  const signatures = selected.map((w) => checkSignature(w, ctx));
  const chainChecked = trusted.length > 0 && signatures.every((s) => s.chainChecked);
  const bad = signatures.find((s) => !s.valid);
  if (bad) return { valid: false, reason: `${bad.id}: ${bad.reason}`, chainChecked, signatures };
  if (opts.requireSystemSignature && !signatures.some((s) => s.kind === 'system')) {
    return { valid: false, reason: 'no system signature (signatureDescription code 3)', chainChecked, signatures };
  }
  return { valid: true, chainChecked, signatures };
}
