// The TLS material of one access point: the client identity Kanta knows the access point by, and the
// CA its server certificate must chain to. PEM files are read here; PKCS#12 identities are opened by
// certs/keystore.ts and injected, so this module never handles PKCS#12 passwords.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { GatewayError } from '../../domain/errors.ts';
import type { AccessPoint } from '../../config/schema.ts';
import type { TlsClientPem } from './transport.ts';

export interface AccessPointTlsInput {
  /** Client identity already loaded (e.g. from PKCS#12 by certs/keystore.ts). Wins over ap.tls.client. */
  tlsClient?: { certPem: string; keyPem: string };
  /** CA bundle already loaded. Wins over ap.tls.caFile. */
  caPem?: string;
  /** Environment to read keyPasswordEnv from; process.env otherwise. */
  env?: Record<string, string | undefined>;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', `Cannot read the access point ${what}`, { details: { file: path, reason: (err as { code?: string }).code ?? 'read' }, cause: err });
  }
}

/** Checks the pair once at start so a wrong key fails in config, not in the first TLS handshake. */
export function checkClientIdentity(id: TlsClientPem): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(id.certPem);
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', 'The access point client certificate is not a PEM certificate', { cause: err });
  }
  let key;
  try {
    key = createPrivateKey(id.passphrase ? { key: id.keyPem, passphrase: id.passphrase } : id.keyPem);
  } catch (err) {
    throw new GatewayError('CERT_LOAD_FAILED', 'The access point client key cannot be read (wrong passphrase or not PEM)', { cause: err });
  }
  if (!cert.checkPrivateKey(key)) throw new GatewayError('CERT_KEY_MISMATCH', 'The access point client key does not match its certificate');
}

export function loadAccessPointTls(ap: AccessPoint, input: AccessPointTlsInput = {}): { tlsClient?: TlsClientPem; caPem?: string; rejectUnauthorized: boolean } {
  const tls = ap.tls;
  let tlsClient: TlsClientPem | undefined;
  if (input.tlsClient) {
    tlsClient = { certPem: input.tlsClient.certPem, keyPem: input.tlsClient.keyPem };
  } else if (tls?.client) {
    const source = tls.client;
    if (!('certFile' in source)) {
      throw new GatewayError('CERT_LOAD_FAILED', 'A PKCS#12 access point identity must be opened by the keystore and passed as tlsClient', { details: { accessPoint: ap.id } });
    }
    tlsClient = { certPem: readPem(source.certFile, 'client certificate'), keyPem: readPem(source.keyFile, 'client key') };
    if (source.keyPasswordEnv) {
      const passphrase = (input.env ?? process.env)[source.keyPasswordEnv];
      if (passphrase === undefined) {
        throw new GatewayError('CERT_LOAD_FAILED', `Environment variable ${source.keyPasswordEnv} (access point key password) is not set`, { details: { accessPoint: ap.id } });
      }
      tlsClient.passphrase = passphrase;
    }
  }
  if (tlsClient) checkClientIdentity(tlsClient);
  const caPem = input.caPem ?? (tls?.caFile ? readPem(tls.caFile, 'CA bundle') : undefined);
  return { ...(tlsClient ? { tlsClient } : {}), ...(caPem ? { caPem } : {}), rejectUnauthorized: tls?.rejectUnauthorized ?? true };
}
