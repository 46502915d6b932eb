// Establishes the caller of every /v1 request: a tenant (bearer token or TLS client certificate) or
// an operator (ops token). Tokens are looked up by their SHA-256 digest, so configuration never holds
// a usable secret, and a timing difference in the lookup reveals nothing an attacker can steer
// (they cannot choose the digest's bytes).
import { createHash, type X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import type { Config, Tenant } from '../config/schema.ts';
import { setCaller, type Caller } from './caller.ts';
import { GatewayError } from '../domain/errors.ts';

export interface CredentialIndex {
  byTokenDigest: Map<string, Caller>;
  byCertificate: Map<string, Tenant>;
  /** Operators identified by client certificate ("subject|issuer", normalised). */
  operatorsByCertificate?: Map<string, Caller>;
}

/** Normalises a DN to "K=V, K=V" whatever separator Node or an operator used. */
export function normaliseDn(dn: string): string {
  return dn
    .split(/\n|,(?=\s*[A-Za-z.0-9]+=)/)
    .map((p) => p.trim())
    .filter(Boolean)
    .join(', ');
}

export function buildCredentialIndex(config: Config): CredentialIndex {
  const byTokenDigest = new Map<string, Caller>();
  const byCertificate = new Map<string, Tenant>();
  for (const t of config.tenants) {
    for (const d of t.credentials.apiTokenSha256) byTokenDigest.set(d, { kind: 'tenant', tenant: t });
    for (const c of t.credentials.tlsClients) byCertificate.set(`${normaliseDn(c.subject)}|${normaliseDn(c.issuer)}`, t);
  }
  // Deprecated anonymous tokens: operators ops-1, ops-2 … with the operator role.
  config.gateway.opsTokenSha256.forEach((d, i) => byTokenDigest.set(d, { kind: 'ops', id: `ops-${i + 1}`, role: 'operator' }));
  const operatorsByCertificate = new Map<string, Caller>();
  for (const o of config.gateway.operators) {
    const caller: Caller = { kind: 'ops', id: o.name, role: o.role };
    if (o.tokenSha256) byTokenDigest.set(o.tokenSha256, caller);
    if (o.tlsClient) operatorsByCertificate.set(certificateKey(o.tlsClient.subject, o.tlsClient.issuer), caller);
  }
  return { byTokenDigest, byCertificate, operatorsByCertificate };
}

export function certificateKey(subject: string, issuer: string): string {
  return `${normaliseDn(subject)}|${normaliseDn(issuer)}`;
}

/** The operator a verified client certificate on this request identifies, if any. */
export function operatorByCertificate(req: Request, idx: CredentialIndex): Caller | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerX509Certificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerX509Certificate() as X509Certificate | undefined;
  return cert ? idx.operatorsByCertificate?.get(certificateKey(cert.subject, cert.issuer)) : undefined;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function authenticate(index: () => CredentialIndex) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const idx = index();
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) return next(new GatewayError('AUTH_INVALID', 'Authorization must be "Bearer <token>"'));
      const caller = idx.byTokenDigest.get(sha256Hex(m[1]!));
      if (!caller) return next(new GatewayError('AUTH_INVALID'));
      setCaller(res, caller);
      return next();
    }
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerX509Certificate === 'function' && socket.authorized) {
      const cert = socket.getPeerX509Certificate() as X509Certificate | undefined;
      const tenant = cert ? idx.byCertificate.get(certificateKey(cert.subject, cert.issuer)) : undefined;
      if (!tenant) {
        const operator = operatorByCertificate(req, idx);
        if (operator) {
          setCaller(res, operator);
          return next();
        }
        return next(new GatewayError('AUTH_INVALID', 'Client certificate is not registered for any tenant or operator'));
      }
      setCaller(res, { kind: 'tenant', tenant });
      return next();
    }
    next(new GatewayError('AUTH_MISSING'));
  };
}
