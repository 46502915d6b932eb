// A throw-away PKI for tests and the demo, shaped like the DVV sote service certificates
// (kanta.md §3): a test CA, per-organisation system-signature certificates
// (O=<name>, serialNumber=<organisation OID>, CN=<system>; digitalSignature + nonRepudiation), a TLS
// server certificate and per-access-point TLS client certificates, plus deliberately bad ones.
// node-forge only builds certificates; RSA keys come from Node (forge keygen is far too slow).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface TestPkiOptions {
  organisations?: Array<{ oid: string; name: string; systemName?: string }>;
  accessPoints?: Array<{ id: string; senderId: string }>;
  /** @defaultValue 2048 */
  bits?: 2048 | 4096;
  /** Also write the bad and special certificates tests need (expired, no nonRepudiation, foreign CA, RSA-4096, PKCS#12). */
  extras?: boolean;
  /** Password of the PKCS#12 extras. @defaultValue 'test-p12-password' */
  p12Password?: string;
  /** Reference time for validity periods. @defaultValue now */
  now?: Date;
}

export interface PemPair {
  certFile: string;
  keyFile: string;
}

export interface TestPkiManifest {
  dir: string;
  ca: { certFile: string; keyFile: string; subject: string };
  /** System-signature certificates by organisation OID. */
  signing: Record<string, PemPair & { subject: string; organisation: string }>;
  tlsServer: PemPair;
  tlsClients: Record<string, PemPair & { senderId: string }>;
  extras?: {
    rsa4096: PemPair & { organisation: string };
    expired: PemPair;
    notYetValid: PemPair;
    noNonRepudiation: PemPair;
    foreignCa: PemPair;
    /** Same subject as the first organisation's signing certificate, issued by the foreign CA. */
    foreignSigning: PemPair;
    p12Legacy3des: { p12File: string; password: string; organisation: string };
    p12Aes256: { p12File: string; password: string; organisation: string };
  };
}

export const DEFAULT_TEST_ORGANISATIONS = [
  { oid: '1.2.246.10.12345678.10.0', name: 'Testin hyvinvointialue' },
  { oid: '1.2.246.10.87654321.10.0', name: 'Testi Hoiva Oy' },
];

export const DEFAULT_TEST_ACCESS_POINTS = [{ id: 'ap-test', senderId: '1.2.246.10.12345678.10.0.99.1' }];

const DAY = 86_400_000;

export interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

type Attr = { type: string; value: string };

function nameAttrs(attrs: Attr[]): forge.pki.CertificateField[] {
  // UTF8String so Finnish names survive (forge encodes the value itself); serialNumber and C stay
  // PrintableString as in DVV certificates.
  return attrs.map((a) =>
    a.type === '2.5.4.5' || a.type === '2.5.4.6'
      ? { type: a.type, value: a.value, valueTagClass: forge.asn1.Type.PRINTABLESTRING as unknown as forge.asn1.Class }
      : { type: a.type, value: a.value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
  );
}

export interface IssueOptions {
  subject: Attr[];
  issuer?: Issued;
  bits?: number;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  keyUsage?: { digitalSignature?: boolean; nonRepudiation?: boolean; keyEncipherment?: boolean; keyCertSign?: boolean; cRLSign?: boolean };
  extKeyUsage?: { serverAuth?: boolean; clientAuth?: boolean };
  altNames?: Array<{ type: 2; value: string } | { type: 7; ip: string }>;
}

/** Issues one certificate (self-signed when no issuer). Exported so tests can mint rotation overlaps. */
export function issueCertificate(o: IssueOptions): Issued {
  const { privateKey: keyPem } = generateKeyPairSync('rsa', {
    modulusLength: o.bits ?? 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive serial: the first byte's high bit cleared.
  const serial = randomBytes(12);
  serial[0] = (serial[0] as number) & 0x7f | 0x10;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = o.notBefore;
  cert.validity.notAfter = o.notAfter;
  cert.setSubject(nameAttrs(o.subject));
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : nameAttrs(o.subject));
  const extensions: object[] = [{ name: 'basicConstraints', cA: o.ca === true, critical: true }];
  if (o.keyUsage) extensions.push({ name: 'keyUsage', critical: true, ...o.keyUsage });
  if (o.extKeyUsage) extensions.push({ name: 'extKeyUsage', ...o.extKeyUsage });
  if (o.altNames) extensions.push({ name: 'subjectAltName', altNames: o.altNames });
  extensions.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(extensions);
  cert.sign(o.issuer ? o.issuer.key : key, forge.md.sha256.create());
  return { cert, key, certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Loads an issuer (CA) written earlier by initTestPki, to mint more certificates from it. */
export function readIssuer(certFile: string, keyFile: string): Issued {
  const certPem = readFileSync(certFile, 'utf8');
  const keyPem = readFileSync(keyFile, 'utf8');
  return { cert: forge.pki.certificateFromPem(certPem), key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, certPem, keyPem };
}

/**
 * Writes one more system-signature certificate for `organisation` from the test CA, with the given
 * validity: rotation overlaps, renewals and expiry in tests and the demo.
 */
export function issueSigningCertificate(
  dir: string,
  name: string,
  o: { ca: PemPair; organisation: { oid: string; name: string; systemName?: string }; notBefore: Date; notAfter: Date; bits?: number },
): PemPair {
  const subject: Attr[] = [
    { type: '2.5.4.6', value: 'FI' },
    { type: '2.5.4.10', value: o.organisation.name },
    { type: '2.5.4.5', value: o.organisation.oid },
    { type: '2.5.4.3', value: o.organisation.systemName ?? 'Asiakastietojärjestelmä' },
  ];
  const issued = issueCertificate({
    subject, issuer: readIssuer(o.ca.certFile, o.ca.keyFile), ...(o.bits ? { bits: o.bits } : {}), notBefore: o.notBefore, notAfter: o.notAfter,
    keyUsage: { digitalSignature: true, nonRepudiation: true },
  });
  return write(dir, name, issued);
}

function write(dir: string, name: string, issued: Issued): PemPair {
  const certFile = path.join(dir, `${name}.cert.pem`);
  const keyFile = path.join(dir, `${name}.key.pem`);
  writeFileSync(certFile, issued.certPem);
  writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

const subjectText = (attrs: Attr[]) => attrs.map((a) => `${a.type === '2.5.4.5' ? 'serialNumber' : a.type}=${a.value}`).join(', ');

export async function initTestPki(dir: string, opts: TestPkiOptions = {}): Promise<TestPkiManifest> {
  const now = opts.now ?? new Date();
  const organisations = opts.organisations ?? DEFAULT_TEST_ORGANISATIONS;
  const accessPoints = opts.accessPoints ?? DEFAULT_TEST_ACCESS_POINTS;
  const bits = opts.bits ?? 2048;
  if (organisations.length === 0) throw new Error('initTestPki needs at least one organisation');
  mkdirSync(dir, { recursive: true });
  const from = new Date(now.getTime() - DAY);
  const caFrom = new Date(now.getTime() - 30 * DAY);
  const caSubject: Attr[] = [
    { type: '2.5.4.6', value: 'FI' },
    { type: '2.5.4.10', value: 'Kanta Gateway TEST' },
    { type: '2.5.4.3', value: 'Kanta Gateway TEST Service Certs CA' },
  ];
  const ca = issueCertificate({
    subject: caSubject, bits: 2048, notBefore: caFrom, notAfter: new Date(now.getTime() + 3650 * DAY), ca: true,
    keyUsage: { keyCertSign: true, cRLSign: true, digitalSignature: true },
  });
  const manifest: TestPkiManifest = {
    dir,
    ca: { ...write(dir, 'ca', ca), subject: subjectText(caSubject) },
    signing: {},
    tlsServer: { certFile: '', keyFile: '' },
    tlsClients: {},
  };
  const signingSubject = (o: { oid: string; name: string; systemName?: string }): Attr[] => [
    { type: '2.5.4.6', value: 'FI' },
    { type: '2.5.4.10', value: o.name },
    { type: '2.5.4.5', value: o.oid },
    { type: '2.5.4.3', value: o.systemName ?? 'Asiakastietojärjestelmä' },
  ];
  const systemUsage = { digitalSignature: true, nonRepudiation: true };
  const twoYears = new Date(now.getTime() + 730 * DAY);
  for (const o of organisations) {
    const subject = signingSubject(o);
    const issued = issueCertificate({ subject, issuer: ca, bits, notBefore: from, notAfter: twoYears, keyUsage: systemUsage });
    manifest.signing[o.oid] = { ...write(dir, `signing-${o.oid}`, issued), subject: subjectText(subject), organisation: o.oid };
  }
  const server = issueCertificate({
    subject: [{ type: '2.5.4.6', value: 'FI' }, { type: '2.5.4.3', value: 'localhost' }], issuer: ca, notBefore: from,
    notAfter: new Date(now.getTime() + 365 * DAY), keyUsage: { digitalSignature: true, keyEncipherment: true },
    extKeyUsage: { serverAuth: true }, altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }],
  });
  manifest.tlsServer = write(dir, 'tls-server', server);
  for (const ap of accessPoints) {
    const client = issueCertificate({
      subject: [{ type: '2.5.4.6', value: 'FI' }, { type: '2.5.4.5', value: ap.senderId }, { type: '2.5.4.3', value: ap.id }],
      issuer: ca, notBefore: from, notAfter: new Date(now.getTime() + 365 * DAY),
      keyUsage: { digitalSignature: true, keyEncipherment: true }, extKeyUsage: { clientAuth: true },
    });
    manifest.tlsClients[ap.id] = { ...write(dir, `tls-client-${ap.id}`, client), senderId: ap.senderId };
  }
  if (opts.extras) manifest.extras = writeExtras(dir, ca, organisations[0] as { oid: string; name: string }, signingSubject, now, opts.p12Password ?? 'test-p12-password');
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function writeExtras(
  dir: string,
  ca: Issued,
  org: { oid: string; name: string },
  signingSubject: (o: { oid: string; name: string }) => Attr[],
  now: Date,
  password: string,
): NonNullable<TestPkiManifest['extras']> {
  const subject = signingSubject(org);
  const usage = { digitalSignature: true, nonRepudiation: true };
  const valid = { notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 365 * DAY) };
  const rsa4096 = issueCertificate({ subject, issuer: ca, bits: 4096, ...valid, keyUsage: usage });
  const expired = issueCertificate({
    subject, issuer: ca, notBefore: new Date(now.getTime() - 400 * DAY), notAfter: new Date(now.getTime() - DAY), keyUsage: usage,
  });
  const notYetValid = issueCertificate({
    subject, issuer: ca, notBefore: new Date(now.getTime() + 10 * DAY), notAfter: new Date(now.getTime() + 400 * DAY), keyUsage: usage,
  });
  const noNonRepudiation = issueCertificate({ subject, issuer: ca, ...valid, keyUsage: { digitalSignature: true } });
  const foreignCa = issueCertificate({
    subject: [{ type: '2.5.4.6', value: 'FI' }, { type: '2.5.4.3', value: 'Foreign TEST CA' }], ...valid, ca: true,
    keyUsage: { keyCertSign: true, cRLSign: true },
  });
  const foreignSigning = issueCertificate({ subject, issuer: foreignCa, ...valid, keyUsage: usage });
  const p12Source = issueCertificate({ subject, issuer: ca, ...valid, keyUsage: usage });
  const p12Legacy3des = path.join(dir, 'signing-legacy-3des.p12');
  const legacy = forge.pkcs12.toPkcs12Asn1(p12Source.key, [p12Source.cert, ca.cert], password, { algorithm: '3des', generateLocalKeyId: true, friendlyName: 'signing' });
  writeFileSync(p12Legacy3des, Buffer.from(forge.asn1.toDer(legacy).getBytes(), 'binary'), { mode: 0o600 });
  // forge cannot write the OpenSSL 3 default (PBES2/PBKDF2 + AES-256-CBC, HMAC-SHA256): let openssl do it.
  const pair = write(dir, 'p12-source', p12Source);
  const p12Aes256 = path.join(dir, 'signing-aes256.p12');
  execFileSync('openssl', [
    'pkcs12', '-export', '-in', pair.certFile, '-inkey', pair.keyFile, '-certfile', path.join(dir, 'ca.cert.pem'),
    '-name', 'signing', '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256',
    '-passout', 'env:KGW_TEST_P12_PASSWORD', '-out', p12Aes256,
  ], { env: { ...process.env, KGW_TEST_P12_PASSWORD: password }, stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    rsa4096: { ...write(dir, 'signing-rsa4096', rsa4096), organisation: org.oid },
    expired: write(dir, 'signing-expired', expired),
    notYetValid: write(dir, 'signing-not-yet-valid', notYetValid),
    noNonRepudiation: write(dir, 'signing-no-nonrepudiation', noNonRepudiation),
    foreignCa: write(dir, 'foreign-ca', foreignCa),
    foreignSigning: write(dir, 'signing-foreign', foreignSigning),
    p12Legacy3des: { p12File: p12Legacy3des, password, organisation: org.oid },
    p12Aes256: { p12File: p12Aes256, password, organisation: org.oid },
  };
}
