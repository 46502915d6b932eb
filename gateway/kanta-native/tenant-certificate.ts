// Who is calling the Kanta-native endpoint: the tenant whose configured client certificate (subject +
// issuer, tenants[].credentials.tlsClients) the TLS handshake presented, chained to kantaNative.tls.clientCaFile.
// A bearer token is optional; when one is sent as well it must belong to the same tenant.
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Tenant } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import { normaliseDn, sha256Hex, type CredentialIndex } from '../auth.ts';

export function tenantOfCertificate(req: IncomingMessage, index: CredentialIndex): Tenant {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerX509Certificate !== 'function') throw new GatewayError('AUTH_MISSING', 'The Kanta-native endpoint needs mutual TLS with a client certificate');
  const cert = socket.getPeerX509Certificate() as X509Certificate | undefined;
  if (!cert) throw new GatewayError('AUTH_MISSING', 'No client certificate was presented');
  if (!socket.authorized) throw new GatewayError('AUTH_INVALID', 'The client certificate does not chain to a CA this endpoint trusts');
  const tenant = index.byCertificate.get(`${normaliseDn(cert.subject)}|${normaliseDn(cert.issuer)}`);
  if (!tenant) throw new GatewayError('AUTH_INVALID', 'Client certificate is not registered for any tenant');
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = m ? index.byTokenDigest.get(sha256Hex(m[1]!)) : undefined;
    if (!caller || caller.kind !== 'tenant' || caller.tenant.id !== tenant.id) throw new GatewayError('AUTH_INVALID', 'The bearer token does not belong to the tenant of the client certificate');
  }
  return tenant;
}
