// Named operators (issue 15): each configured operator is found by token digest or client
// certificate with its name and role; the deprecated anonymous list still works as operators ops-N with
// the operator role; the configuration refuses an operator without a credential and duplicates.
import { expect } from 'chai';
import type { NextFunction, Request, Response } from 'express';
import { validateConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { authenticate, buildCredentialIndex, sha256Hex } from '../../gateway/auth.ts';
import { requireOperatorRole, type Caller } from '../../gateway/caller.ts';
import { errorCodeOf } from '../../domain/errors.ts';

const ORG = '1.2.246.10.22222222.10.0';
const SUBJECT = 'C=FI, O=Operations, CN=anna';
const ISSUER = 'C=FI, O=Test CA, CN=ops ca';

function config(gateway: Record<string, unknown>) {
  const raw: ConfigInput = {
    gateway: gateway as ConfigInput['gateway'],
    kanta: { accessPoints: [{ id: 'ap', url: 'https://kanta.example/sh', senderId: '1.2.246.10.9.10.0' }] },
    organisations: [{ oid: ORG, name: 'Hoiva', kind: 'private-provider' }],
    signingIdentities: [{ id: 'sig', certificates: [{ certFile: '/x.pem', keyFile: '/x.key' }] }],
    tenants: [{ id: 'hoiva', name: 'Hoiva', credentials: { apiTokenSha256: [sha256Hex('tenant-token')] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap', signingIdentity: 'sig' }],
  };
  return validateConfig(raw as Record<string, unknown>, 'test', '/').config;
}

function callerFor(index: ReturnType<typeof buildCredentialIndex>, req: { authorization?: string; cert?: { subject: string; issuer: string } }): Caller | string {
  const socket = req.cert ? { authorized: true, getPeerX509Certificate: () => req.cert } : {};
  const request = { headers: req.authorization ? { authorization: req.authorization } : {}, socket } as unknown as Request;
  const res = { locals: {} } as Response;
  let error: unknown;
  authenticate(() => index)(request, res, ((err?: unknown) => void (error = err)) as NextFunction);
  return error ? (errorCodeOf(error) ?? String(error)) : (res.locals.caller as Caller);
}

describe('named operators (gateway.operators)', () => {
  const cfg = config({
    opsTokenSha256: [sha256Hex('legacy-token')],
    operators: [
      { name: 'anna', role: 'operator', tokenSha256: sha256Hex('anna-token'), tlsClient: { subject: SUBJECT, issuer: ISSUER } },
      { name: 'ville.viewer', role: 'viewer', tokenSha256: sha256Hex('ville-token') },
    ],
  });
  const index = buildCredentialIndex(cfg);

  it('finds each operator by token with name and role; the deprecated list gives ops-N with the operator role', () => {
    expect(callerFor(index, { authorization: 'Bearer anna-token' })).to.deep.equal({ kind: 'ops', id: 'anna', role: 'operator' });
    expect(callerFor(index, { authorization: 'Bearer ville-token' })).to.deep.equal({ kind: 'ops', id: 'ville.viewer', role: 'viewer' });
    expect(callerFor(index, { authorization: 'Bearer legacy-token' })).to.deep.equal({ kind: 'ops', id: 'ops-1', role: 'operator' });
    expect(callerFor(index, { authorization: 'Bearer nobody' })).to.equal('AUTH_INVALID');
  });

  it('finds an operator by client certificate (DN separators normalised); an unknown certificate is AUTH_INVALID', () => {
    expect(callerFor(index, { cert: { subject: 'C=FI\nO=Operations\nCN=anna', issuer: 'C=FI\nO=Test CA\nCN=ops ca' } })).to.deep.equal({ kind: 'ops', id: 'anna', role: 'operator' });
    expect(callerFor(index, { cert: { subject: 'C=FI\nCN=mallory', issuer: ISSUER } })).to.equal('AUTH_INVALID');
  });

  it('the operator role is required for actions: a viewer is refused AUTH_FORBIDDEN_ROLE, a tenant too', () => {
    const res = (caller: Caller) => ({ locals: { caller } }) as unknown as Response;
    expect(requireOperatorRole(res({ kind: 'ops', id: 'anna', role: 'operator' }))).to.equal('anna');
    expect(errorCodeOf(catching(() => requireOperatorRole(res({ kind: 'ops', id: 'ville', role: 'viewer' }))))).to.equal('AUTH_FORBIDDEN_ROLE');
    expect(errorCodeOf(catching(() => requireOperatorRole(res({ kind: 'tenant', tenant: cfg.tenants[0]! }))))).to.equal('AUTH_FORBIDDEN_ROLE');
  });

  it('refuses an operator without a credential, duplicate names, duplicate token digests and unknown roles', () => {
    const issues = (gateway: Record<string, unknown>) => {
      try {
        config(gateway);
        return [];
      } catch (err) {
        return ((err as { details?: { issues?: Array<{ path: string; reason: string }> } }).details?.issues ?? []).map((i) => `${i.path}: ${i.reason}`);
      }
    };
    expect(issues({ operators: [{ name: 'a', role: 'operator' }] }).join('\n')).to.contain('an operator needs tokenSha256 or tlsClient');
    expect(issues({ operators: [{ name: 'a', role: 'operator', tokenSha256: sha256Hex('1') }, { name: 'a', role: 'viewer', tokenSha256: sha256Hex('2') }] }).join('\n')).to.contain('duplicate operator name a');
    expect(issues({ opsTokenSha256: [sha256Hex('1')], operators: [{ name: 'a', role: 'viewer', tokenSha256: sha256Hex('1') }] }).join('\n')).to.contain('duplicate operator token digest');
    expect(issues({ operators: [{ name: 'a', role: 'admin', tokenSha256: sha256Hex('1') }] })).to.have.length.greaterThan(0);
    expect(issues({ operators: [{ name: 'has space', role: 'viewer', tokenSha256: sha256Hex('1') }] }).join('\n')).to.contain('operator name');
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
