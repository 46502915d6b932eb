// Loads one key + certificate (PEM pair or PKCS#12) into a Node KeyObject and X509Certificate, once.
// Used for signing identities and for TLS client/server identities alike. Passwords come from an
// environment variable or a file named in the config, never from the config text itself.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../domain/errors.ts';
import type { CertificateSource } from '../config/schema.ts';
import {
  certificateFacts,
  keyMatchesCertificate,
  missingKeyUsage,
  pemToCertificates,
  validityAt,
  type CertificateFacts,
  type CredentialUsage,
} from './certificate-checks.ts';
import { openPkcs12 } from './pkcs12.ts';

export interface Credential extends CertificateFacts {
  privateKey: KeyObject;
  /** The leaf certificate only (this goes into KeyInfo). */
  certificatePem: string;
  certificate: X509Certificate;
  /** Further certificates found with the leaf (intermediates), PEM. */
  chainPems: string[];
  /** Where it came from (a file path), for reports and errors. */
  source: string;
}

export interface LoadCredentialOptions {
  /** When given: the key usage this credential must allow, checked with validity at `now`. */
  usage?: CredentialUsage;
  now?: Date;
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', `Cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

function envPassword(env: NodeJS.ProcessEnv, name: string, file: string): string {
  const value = env[name];
  if (value === undefined) throw new GatewayError('CERT_LOAD_FAILED', `Environment variable ${name} (password for ${file}) is not set`);
  return value;
}

function sourceFile(src: CertificateSource): string {
  return 'p12File' in src ? src.p12File : src.certFile;
}

function parseKey(pem: string | Buffer, passphrase: string | undefined, file: string): KeyObject {
  if (passphrase === undefined && /-----BEGIN (ENCRYPTED PRIVATE KEY|RSA PRIVATE KEY-----\s*Proc-Type: 4,ENCRYPTED)/.test(pem.toString())) {
    throw new GatewayError('CERT_WRONG_PASSWORD', `${file} is encrypted and no password is configured (keyPasswordEnv)`);
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const message = (err as Error).message ?? '';
    if (code === 'ERR_MISSING_PASSPHRASE') throw new GatewayError('CERT_WRONG_PASSWORD', `${file} is encrypted and no password is configured (keyPasswordEnv)`);
    if (passphrase !== undefined && /bad decrypt|DECODER routines/i.test(message)) {
      throw new GatewayError('CERT_WRONG_PASSWORD', `The key password is wrong for ${file}`);
    }
    throw new GatewayError('CERT_LOAD_FAILED', `${file} is not a readable private key`, { cause: err });
  }
}

export function loadCredential(src: CertificateSource, env: NodeJS.ProcessEnv = process.env, opts: LoadCredentialOptions = {}): Credential {
  let privateKey: KeyObject;
  let certPems: string[];
  const file = sourceFile(src);
  if ('p12File' in src) {
    const der = readFile(src.p12File, 'PKCS#12 file');
    let password = '';
    if (src.passwordEnv !== undefined) password = envPassword(env, src.passwordEnv, src.p12File);
    else if (src.passwordFile !== undefined) password = readFile(src.passwordFile, 'password file').toString('utf8').replace(/\r?\n$/, '');
    const opened = openPkcs12(der, password, src.p12File);
    privateKey = parseKey(opened.privateKeyPem, undefined, src.p12File);
    certPems = opened.certificatePems;
  } else {
    const keyPem = readFile(src.keyFile, 'key file');
    const passphrase = src.keyPasswordEnv === undefined ? undefined : envPassword(env, src.keyPasswordEnv, src.keyFile);
    privateKey = parseKey(keyPem, passphrase, src.keyFile);
    certPems = [readFile(src.certFile, 'certificate file').toString('utf8')];
  }
  let certificates: X509Certificate[];
  try {
    certificates = certPems.flatMap((p) => pemToCertificates(p));
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', `${file} holds an unreadable certificate`, { cause: err });
  }
  if (certificates.length === 0) throw new GatewayError('CERT_LOAD_FAILED', `${file} holds no PEM certificate`);
  // A PEM file or PKCS#12 may carry the chain too: the leaf is the one matching the key.
  const leaf = certificates.find((c) => keyMatchesCertificate(privateKey, c));
  if (!leaf) {
    throw new GatewayError('CERT_KEY_MISMATCH', `The private key does not match the certificate in ${file}`, {
      details: { certificateSerial: certificates[0]?.serialNumber },
    });
  }
  const credential: Credential = {
    ...certificateFacts(leaf),
    privateKey,
    certificate: leaf,
    certificatePem: leaf.toString(),
    chainPems: certificates.filter((c) => c !== leaf).map((c) => c.toString()),
    source: file,
  };
  if (opts.usage) assertUsable(credential, opts.usage, opts.now ?? new Date());
  return credential;
}

/** Throws the specific coded error when the credential cannot serve `usage` at `now`. */
export function assertUsable(cred: Credential, usage: CredentialUsage, now: Date): void {
  const validity = validityAt(cred, now);
  const details = { serial: cred.serial, notBefore: cred.notBefore.toISOString(), notAfter: cred.notAfter.toISOString(), source: cred.source };
  if (validity === 'CERT_EXPIRED') throw new GatewayError('CERT_EXPIRED', `The certificate ${cred.serial} (${cred.source}) expired at ${details.notAfter}`, { details });
  if (validity === 'CERT_NOT_YET_VALID') throw new GatewayError('CERT_NOT_YET_VALID', `The certificate ${cred.serial} (${cred.source}) is valid only from ${details.notBefore}`, { details });
  assertKeyUsage(cred, usage);
}

export function assertKeyUsage(cred: Credential, usage: CredentialUsage): void {
  const missing = missingKeyUsage(cred.certificate, usage);
  if (missing.length > 0) {
    throw new GatewayError('CERT_KEY_USAGE', `The certificate ${cred.serial} (${cred.source}) lacks key usage ${missing.join(' + ')} needed for ${usage}`, {
      details: { serial: cred.serial, source: cred.source, missing },
    });
  }
}

/** Options for tls.connect / an undici Agent (Node's TLS takes PEM, not a KeyObject): leaf + chain. */
export function toTlsOptions(cred: Credential): { key: string; cert: string } {
  return { key: cred.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: [cred.certificatePem, ...cred.chainPems].join('') };
}
