import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { validateConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { authenticate, buildCredentialIndex, normaliseDn, sha256Hex } from '../../gateway/auth.ts';
import type { Caller } from '../../gateway/caller.ts';
import { errorCodeOf } from '../../domain/errors.ts';

const ORG = '1.2.246.10.22222222.10.0';

/** A throwaway self-signed client certificate made by openssl (test material, temp dir only). */
function makeCert(subject: string): X509Certificate {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-auth-'));
  const cert = path.join(dir, 'c.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', path.join(dir, 'k.pem'), '-out', cert, '-days', '1'], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(cert));
}

function configWith(tlsClients: Array<{ subject: string; issuer: string }>) {
  const raw: ConfigInput = {
    gateway: { opsTokenSha256: [sha256Hex('ops-token-1'), sha256Hex('ops-token-2')] },
    kanta: { accessPoints: [{ id: 'ap', url: 'https://kanta.example/sh', senderId: '1.2.246.10.9.10.0' }] },
    organisations: [{ oid: ORG, name: 'Hoiva', kind: 'private-provider' }],
    signingIdentities: [{ id: 'sig', certificates: [{ certFile: '/x.pem', keyFile: '/x.key' }] }],
    tenants: [
      { id: 'hoiva', name: 'Hoiva', credentials: { apiTokenSha256: [sha256Hex('tenant-token'), sha256Hex('tenant-token-rotated')], tlsClients }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap', signingIdentity: 'sig' },
      { id: 'other', name: 'Other', credentials: { apiTokenSha256: [sha256Hex('other-token')] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap', signingIdentity: 'sig' },
    ],
  };
  return validateConfig(raw as Record<string, unknown>, 'test', '/').config;
}

/** Runs the middleware against a minimal request; returns the caller set or the error passed on. */
function run(index: ReturnType<typeof buildCredentialIndex>, req: { authorization?: string; cert?: X509Certificate; authorized?: boolean }): { caller?: Caller; error?: string } {
  const socket = req.cert || req.authorized !== undefined ? { authorized: req.authorized ?? true, getPeerX509Certificate: () => req.cert } : {};
  const request = { headers: req.authorization ? { authorization: req.authorization } : {}, socket } as unknown as Request;
  const res = { locals: {} } as Response;
  let error: unknown;
  let called = false;
  authenticate(() => index)(request, res, ((err?: unknown) => {
    called = true;
    error = err;
  }) as NextFunction);
  expect(called, 'next() called').to.equal(true);
  return error ? { error: errorCodeOf(error) ?? String(error) } : { caller: res.locals.caller as Caller };
}

describe('gateway/auth', () => {
  describe('normaliseDn', () => {
    const cases: Array<[string, string]> = [
      ['C=FI\nO=Hoiva Oy\nCN=client', 'C=FI, O=Hoiva Oy, CN=client'],
      ['C=FI, O=Hoiva Oy, CN=client', 'C=FI, O=Hoiva Oy, CN=client'],
      ['C=FI,O=Hoiva Oy,CN=client', 'C=FI, O=Hoiva Oy, CN=client'],
      ['  C=FI ,  O=Hoiva Oy\n\nCN=client  ', 'C=FI, O=Hoiva Oy, CN=client'],
      // A comma inside a value (Node escapes it) does not start a new RDN.
      ['C=FI\nO=Hoiva\\, Esimerkki Oy\nCN=client', 'C=FI, O=Hoiva\\, Esimerkki Oy, CN=client'],
      ['O=Hoiva, Esimerkki Oy, CN=c', 'O=Hoiva, Esimerkki Oy, CN=c'],
      ['serialNumber=1.2.246.10.1\nCN=x', 'serialNumber=1.2.246.10.1, CN=x'],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => expect(normaliseDn(input)).to.equal(expected));
    }
  });

  describe('certificate lookup', function () {
    this.timeout(20_000);
    const subject = `/C=FI/O=Hoiva, Esimerkki Oy/serialNumber=${ORG}/CN=hoiva-client`;
    let cert: X509Certificate;
    let stranger: X509Certificate;
    before(() => {
      cert = makeCert(subject);
      stranger = makeCert('/C=FI/O=Someone/CN=hoiva-client');
    });

    it("matches Node's newline-separated subject against a comma-separated config subject", () => {
      expect(cert.subject).to.contain('\n');
      const index = buildCredentialIndex(
        configWith([{ subject: `C=FI, O=Hoiva\\, Esimerkki Oy, serialNumber=${ORG}, CN=hoiva-client`, issuer: `C=FI, O=Hoiva\\, Esimerkki Oy, serialNumber=${ORG}, CN=hoiva-client` }]),
      );
      const r = run(index, { cert });
      expect(r.error).to.equal(undefined);
      expect(r.caller).to.deep.include({ kind: 'tenant' });
      expect((r.caller as { tenant: { id: string } }).tenant.id).to.equal('hoiva');
    });

    it('matches a config that pasted the subject exactly as Node prints it', () => {
      const index = buildCredentialIndex(configWith([{ subject: cert.subject, issuer: cert.issuer }]));
      expect((run(index, { cert }).caller as { tenant: { id: string } }).tenant.id).to.equal('hoiva');
    });

    it('refuses an unregistered certificate, and an unverified one', () => {
      const index = buildCredentialIndex(configWith([{ subject: cert.subject, issuer: cert.issuer }]));
      expect(run(index, { cert: stranger })).to.deep.equal({ error: 'AUTH_INVALID' });
      // The TLS layer did not verify the chain: the certificate is not evidence of anything.
      expect(run(index, { cert, authorized: false })).to.deep.equal({ error: 'AUTH_MISSING' });
    });
  });

  describe('token lookup by digest', () => {
    const index = buildCredentialIndex(configWith([]));
    const cases: Array<[string, string | undefined, { kind?: string; id?: string; tenant?: string; error?: string }]> = [
      ['tenant token', 'Bearer tenant-token', { kind: 'tenant', tenant: 'hoiva' }],
      ['rotated second tenant token', 'Bearer tenant-token-rotated', { kind: 'tenant', tenant: 'hoiva' }],
      ['another tenant', 'Bearer other-token', { kind: 'tenant', tenant: 'other' }],
      ['lower-case scheme', 'bearer tenant-token', { kind: 'tenant', tenant: 'hoiva' }],
      ['first ops token', 'Bearer ops-token-1', { kind: 'ops', id: 'ops-1' }],
      ['second ops token', 'Bearer ops-token-2', { kind: 'ops', id: 'ops-2' }],
      ['unknown token', 'Bearer nope', { error: 'AUTH_INVALID' }],
      ['the digest itself used as a token', `Bearer ${sha256Hex('tenant-token')}`, { error: 'AUTH_INVALID' }],
      ['Basic scheme', 'Basic dXNlcjpwYXNz', { error: 'AUTH_INVALID' }],
      ['two words after Bearer', 'Bearer a b', { error: 'AUTH_INVALID' }],
      ['no credentials', undefined, { error: 'AUTH_MISSING' }],
    ];
    for (const [name, header, expected] of cases) {
      it(`${name} → ${expected.error ?? `${expected.kind} ${expected.tenant ?? expected.id}`}`, () => {
        const r = run(index, header ? { authorization: header } : {});
        if (expected.error) return expect(r).to.deep.equal({ error: expected.error });
        expect(r.caller!.kind).to.equal(expected.kind);
        if (r.caller!.kind === 'ops') expect(r.caller!.id).to.equal(expected.id);
        else expect(r.caller!.tenant.id).to.equal(expected.tenant);
      });
    }

    it('keeps no usable secret in the index', () => {
      const keys = [...index.byTokenDigest.keys()];
      expect(keys).to.have.length(5);
      for (const k of keys) expect(k).to.match(/^[0-9a-f]{64}$/);
      expect(keys).to.not.include('tenant-token');
    });
  });
});
