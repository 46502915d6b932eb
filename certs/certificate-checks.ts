// Certificate facts and checks with Node's X509Certificate and @peculiar/asn1-x509 only. node-forge is
// kept out of every check on untrusted input (libs.md §3: its chain verification had a CVSS 9.1
// basicConstraints bypass); @peculiar/x509 itself needs a reflect-metadata polyfill this project does
// not ship, so the plain ASN.1 schema package reads key usage and DN attributes.
//
// Facts are cached per certificate: a verifier sees the same few signer certificates on every
// document, and reading one (X.509 parse, two ASN.1 parses, the issuer's signature) cost about as
// much as the rest of a signature check. Caches hold at most CACHE_LIMIT certificates and are keyed
// by the exact certificate bytes, so a different certificate is never answered from another's entry.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, KeyUsage, KeyUsageFlags, id_ce_keyUsage } from '@peculiar/asn1-x509';

export type CredentialUsage = 'system-signature' | 'tls-client' | 'tls-server';

export interface CertificateFacts {
  /** Subject DN as "C=FI, O=…, serialNumber=…, CN=…". */
  subject: string;
  /** Subject serialNumber attribute (2.5.4.5): the organisation OID on DVV system-signature certificates. */
  subjectSerialNumber?: string;
  issuer: string;
  /** Certificate serial, hex. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

const OID_SERIAL_NUMBER = '2.5.4.5';
const CACHE_LIMIT = 256;

/** A Map that forgets everything once it holds `limit` entries (cheap, and enough for a few hot keys). */
function boundedSet<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

const factsOf = new WeakMap<X509Certificate, CertificateFacts>();
const keyUsageOf = new WeakMap<X509Certificate, { bits: number | undefined }>();
const issuedBy = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();
const byBase64 = new Map<string, X509Certificate>();
const byPem = new Map<string, X509Certificate[]>();

function parseAsn1(cert: X509Certificate): Certificate {
  return AsnConvert.parse(cert.raw, Certificate);
}

const dn = (text: string) => text.split('\n').join(', ');

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const known = factsOf.get(cert);
  if (known) return known;
  let subjectSerialNumber: string | undefined;
  for (const rdn of parseAsn1(cert).tbsCertificate.subject) {
    for (const attr of rdn) if (attr.type === OID_SERIAL_NUMBER) subjectSerialNumber = attr.value.toString();
  }
  const facts: CertificateFacts = {
    subject: dn(cert.subject),
    ...(subjectSerialNumber === undefined ? {} : { subjectSerialNumber }),
    issuer: dn(cert.issuer),
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
  factsOf.set(cert, facts);
  return facts;
}

/** KeyUsage bits, or undefined when the extension is absent (then no usage is restricted by it). */
export function keyUsageBits(cert: X509Certificate): number | undefined {
  const known = keyUsageOf.get(cert);
  if (known) return known.bits;
  const ext = parseAsn1(cert).tbsCertificate.extensions?.find((e) => e.extnID === id_ce_keyUsage);
  const bits = ext ? AsnConvert.parse(ext.extnValue, KeyUsage).toNumber() : undefined;
  keyUsageOf.set(cert, { bits });
  return bits;
}

export const KEY_USAGE = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  nonRepudiation: KeyUsageFlags.nonRepudiation,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
} as const;

/**
 * Which key-usage bits a usage needs. A system signature needs both digitalSignature and
 * nonRepudiation (DVV järjestelmäallekirjoitusvarmenne, kanta.md §3); TLS needs digitalSignature.
 */
export function missingKeyUsage(cert: X509Certificate, usage: CredentialUsage): string[] {
  const bits = keyUsageBits(cert);
  const needed: Array<keyof typeof KEY_USAGE> = usage === 'system-signature' ? ['digitalSignature', 'nonRepudiation'] : ['digitalSignature'];
  if (bits === undefined) return usage === 'system-signature' ? needed : [];
  return needed.filter((name) => (bits & KEY_USAGE[name]) === 0);
}

/** Verifying a received signature: nonRepudiation or digitalSignature suffices (the DVV professional cards carry only nonRepudiation). */
export function canVerifySignatures(cert: X509Certificate): boolean {
  const bits = keyUsageBits(cert);
  return bits === undefined || (bits & (KEY_USAGE.digitalSignature | KEY_USAGE.nonRepudiation)) !== 0;
}

export type ValidityProblem = 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID';

export function validityAt(cert: X509Certificate | CertificateFacts, at: Date): ValidityProblem | undefined {
  const { notBefore, notAfter } = 'raw' in cert ? { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) } : cert;
  if (at.getTime() < notBefore.getTime()) return 'CERT_NOT_YET_VALID';
  if (at.getTime() > notAfter.getTime()) return 'CERT_EXPIRED';
  return undefined;
}

export function keyMatchesCertificate(privateKey: KeyObject, cert: X509Certificate): boolean {
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
  return fromKey.equals(fromCert);
}

/**
 * Finds a certificate in `trusted` that issued `cert` and whose signature over it verifies, valid at
 * `at`. Every certificate in the configured bundle is a trust anchor (intermediates included), so one
 * step suffices; the issuer must be a CA.
 */
export function chainProblem(cert: X509Certificate, trusted: readonly X509Certificate[], at: Date): string | undefined {
  const candidates = trusted.filter((ca) => cert.checkIssued(ca));
  if (candidates.length === 0) return 'certificate is not issued by a trusted CA';
  for (const ca of candidates) {
    if (!ca.ca) continue;
    if (validityAt(ca, at)) continue;
    if (issuerSignatureVerifies(cert, ca)) return undefined;
  }
  return 'certificate signature does not verify against its trusted issuer, or the issuer is not a valid CA at signature time';
}

/** `ca`'s signature over `cert`, checked once per pair of certificate objects. */
function issuerSignatureVerifies(cert: X509Certificate, ca: X509Certificate): boolean {
  let byCa = issuedBy.get(cert);
  if (!byCa) issuedBy.set(cert, (byCa = new WeakMap()));
  let ok = byCa.get(ca);
  if (ok === undefined) byCa.set(ca, (ok = cert.verify(ca.publicKey)));
  return ok;
}

export function pemToCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** pemToCertificates for bundles read again and again (trusted CAs): the same objects for the same text. */
export function cachedPemToCertificates(pem: string): X509Certificate[] {
  return byPem.get(pem) ?? boundedSet(byPem, pem, pemToCertificates(pem));
}

/** The certificate in a KeyInfo X509Certificate (Base64 DER, whitespace allowed); one object per distinct certificate. */
export function certificateFromBase64(b64: string): X509Certificate {
  const body = b64.replace(/\s+/g, '');
  return byBase64.get(body) ?? boundedSet(byBase64, body, new X509Certificate(Buffer.from(body, 'base64')));
}

export function base64ToPem(b64: string, label = 'CERTIFICATE'): string {
  const body = b64.replace(/\s+/g, '');
  return `-----BEGIN ${label}-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}
