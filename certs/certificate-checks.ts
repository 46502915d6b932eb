// Certificate facts and checks with Node's X509Certificate and @peculiar/asn1-x509 only. node-forge is
// kept out of every check on untrusted input (libs.md §3: its chain verification had a CVSS 9.1
// basicConstraints bypass); @peculiar/x509 itself needs a reflect-metadata polyfill this project does
// not ship, so the plain ASN.1 schema package reads key usage and DN attributes.
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

function parseAsn1(cert: X509Certificate): Certificate {
  return AsnConvert.parse(cert.raw, Certificate);
}

const dn = (text: string) => text.split('\n').join(', ');

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  let subjectSerialNumber: string | undefined;
  for (const rdn of parseAsn1(cert).tbsCertificate.subject) {
    for (const attr of rdn) if (attr.type === OID_SERIAL_NUMBER) subjectSerialNumber = attr.value.toString();
  }
  return {
    subject: dn(cert.subject),
    ...(subjectSerialNumber === undefined ? {} : { subjectSerialNumber }),
    issuer: dn(cert.issuer),
    serial: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

/** KeyUsage bits, or undefined when the extension is absent (then no usage is restricted by it). */
export function keyUsageBits(cert: X509Certificate): number | undefined {
  const ext = parseAsn1(cert).tbsCertificate.extensions?.find((e) => e.extnID === id_ce_keyUsage);
  if (!ext) return undefined;
  return AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
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
    if (cert.verify(ca.publicKey)) return undefined;
  }
  return 'certificate signature does not verify against its trusted issuer, or the issuer is not a valid CA at signature time';
}

export function pemToCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

export function base64ToPem(b64: string, label = 'CERTIFICATE'): string {
  const body = b64.replace(/\s+/g, '');
  return `-----BEGIN ${label}-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}
