// Test-only PKI: CAs and leaf certificates made in memory for the double's tests. Keys come from
// node:crypto (fast); node-forge only assembles and signs the certificates (test provisioning, never
// verification). Nothing is written to disk except where a test asks for PEM files in a temp dir.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestCert {
  certPem: string;
  keyPem: string;
}

export interface LeafOptions {
  cn: string;
  serialNumber?: string;
  keyUsage?: { digitalSignature?: boolean; nonRepudiation?: boolean; keyEncipherment?: boolean };
  /** Extended key usage for TLS certificates. */
  serverAuth?: boolean;
  clientAuth?: boolean;
  ipAddress?: string;
  notBefore?: Date;
  notAfter?: Date;
}

const keys: Array<{ publicKeyPem: string; privateKeyPem: string }> = [];
let nextKey = 0;
let serial = 1;

/** A small pool of RSA-2048 keys reused round-robin: key generation dominates otherwise. */
function key(): { publicKeyPem: string; privateKeyPem: string } {
  if (keys.length < 3) {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    keys.push({ publicKeyPem: k.publicKey, privateKeyPem: k.privateKey });
    return keys[keys.length - 1] as { publicKeyPem: string; privateKeyPem: string };
  }
  const k = keys[nextKey % keys.length] as { publicKeyPem: string; privateKeyPem: string };
  nextKey += 1;
  return k;
}

function baseCert(publicKeyPem: string, subject: forge.pki.CertificateField[], notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  serial += 1;
  cert.serialNumber = serial.toString(16).padStart(4, '0');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  return cert;
}

const DAY = 24 * 3600 * 1000;

export function makeCa(cn: string): TestCert {
  const k = key();
  const subject = [{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'Kanta double test CA' }];
  const cert = baseCert(k.publicKeyPem, subject, new Date(Date.now() - 30 * DAY), new Date(Date.now() + 3650 * DAY));
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(k.privateKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.privateKeyPem };
}

export function makeLeaf(ca: TestCert, o: LeafOptions): TestCert {
  const k = key();
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: o.cn }, { name: 'organizationName', value: 'Testiorganisaatio' }];
  if (o.serialNumber) subject.push({ type: '2.5.4.5', value: o.serialNumber });
  const cert = baseCert(k.publicKeyPem, subject, o.notBefore ?? new Date(Date.now() - DAY), o.notAfter ?? new Date(Date.now() + 365 * DAY));
  cert.setIssuer(forge.pki.certificateFromPem(ca.certPem).subject.attributes);
  const extensions: unknown[] = [{ name: 'basicConstraints', cA: false }];
  if (o.keyUsage) extensions.push({ name: 'keyUsage', critical: true, ...o.keyUsage });
  if (o.serverAuth || o.clientAuth) extensions.push({ name: 'extKeyUsage', serverAuth: !!o.serverAuth, clientAuth: !!o.clientAuth });
  if (o.ipAddress) extensions.push({ name: 'subjectAltName', altNames: [{ type: 7, ip: o.ipAddress }] });
  cert.setExtensions(extensions as never[]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.privateKeyPem };
}
