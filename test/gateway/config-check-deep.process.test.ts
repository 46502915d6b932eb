// `config check --deep` against `serve`: a configuration the deep check passes starts, and one it
// refuses is refused by serve for the same reason (the same file, variable or code). Real processes,
// a real redis-server (serve reaches Redis before it loads the signing keys), a real test PKI.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { freePort } from '../../queues/local-redis-server.ts';
import { startGatewayProcess } from '../helpers/processes.ts';
import { useRedis } from '../helpers/redis.ts';

const BIN = new URL('../../bin/kanta-gateway.js', import.meta.url).pathname;
const ORG = '1.2.246.10.12345678.10.0';
const P12_ENV = 'KGW_TEST_DEEP_P12_PASSWORD';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  // Unset unless the case sets it: an empty value is a set variable (an empty password).
  const base: NodeJS.ProcessEnv = { ...process.env, KGW_LOG_LEVEL: 'error', KGW_CLIENT_KEY_SECRET: 'test-secret' };
  delete base[P12_ENV];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('config check --deep against serve (real processes)', function () {
  this.timeout(90_000);
  const redis = useRedis();
  let dir: string;
  let pki: TestPkiManifest;
  let port: number;

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-deep-'));
    pki = await initTestPki(path.join(dir, 'pki'), { organisations: [{ oid: ORG, name: 'Testin hyvinvointialue' }], accessPoints: [{ id: 'ap-1', senderId: '1.2.246.10.99999999.10.0' }], extras: true });
    port = await freePort();
  });

  /** Signing with a PEM pair and, for rotation, a PKCS#12 whose password comes from P12_ENV. */
  function config(change?: (c: ConfigInput) => void): string {
    const client = pki.tlsClients['ap-1']!;
    const cfg: ConfigInput = {
      gateway: { port },
      redis: { url: redis.url },
      kanta: { accessPoints: [{ id: 'ap-1', url: 'https://127.0.0.1:1/kanta', senderId: '1.2.246.10.99999999.10.0', processingCode: 'T', tls: { client: { certFile: client.certFile, keyFile: client.keyFile }, caFile: pki.ca.certFile } }] },
      signer: { threads: 1, trustedCaFile: pki.ca.certFile },
      organisations: [{ oid: ORG, name: 'Alue', kind: 'welfare-region' }],
      serviceUnits: [{ oid: `${ORG}.1`, organisation: ORG }],
      signingIdentities: [{ id: 'sig', organisation: ORG, certificates: [{ certFile: pki.signing[ORG]!.certFile, keyFile: pki.signing[ORG]!.keyFile }, { p12File: pki.extras!.p12Aes256.p12File, passwordEnv: P12_ENV }] }],
      tenants: [{ id: 'region', name: 'Alue', credentials: { apiTokenSha256: ['b'.repeat(64)] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap-1', signingIdentity: 'sig' }],
    };
    change?.(cfg);
    const file = path.join(dir, `gateway-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(cfg));
    return file;
  }
  const goodEnv = () => ({ [P12_ENV]: pki.extras!.p12Aes256.password });
  const certs = (c: ConfigInput) => c.signingIdentities![0]!.certificates as Array<Record<string, string>>;

  it('a configuration --deep passes, serve starts with', async () => {
    const file = config();
    const deep = await cli(['config', 'check', file, '--deep'], goodEnv());
    expect(deep.code, deep.stderr).to.equal(0);
    expect(deep.stdout).to.match(/valid \(version [0-9a-f]{12}\).*; deep: \d+ files, 1 environment variables, 3 credentials, 2 CA bundles checked/);
    const gw = await startGatewayProcess(file, port, { ...goodEnv(), KGW_LOG_LEVEL: 'error' });
    await gw.kill();
  });

  it('reports every problem at once, each with its code and path; plain config check passes the same file', async () => {
    const file = config((c) => {
      certs(c)[0]!.keyFile = pki.tlsServer.keyFile; // a key that is not the certificate's
      c.signer!.trustedCaFile = path.join(dir, 'no-such-ca.pem');
      c.redis!.passwordEnv = 'KGW_TEST_DEEP_REDIS_PASSWORD';
    });
    expect((await cli(['config', 'check', file], {})).code).to.equal(0);
    const deep = await cli(['config', 'check', file, '--deep'], {});
    expect(deep.code).to.equal(1);
    const lines = deep.stderr.trim().split('\n');
    expect(lines).to.have.length(5);
    expect(deep.stderr).to.contain(`signer.trustedCaFile: CONFIG_FILE_UNREADABLE: ${path.join(dir, 'no-such-ca.pem')}: ENOENT`);
    expect(deep.stderr).to.contain(`redis.passwordEnv: CONFIG_ENV_MISSING: environment variable KGW_TEST_DEEP_REDIS_PASSWORD (Redis password) is not set`);
    expect(deep.stderr).to.contain(`signingIdentities.0.certificates.1.passwordEnv: CONFIG_ENV_MISSING: environment variable ${P12_ENV} (password) is not set`);
    expect(deep.stderr).to.match(/signingIdentities\.0\.certificates\.0: CERT_KEY_MISMATCH: /);
    expect(lines.at(-1)).to.match(/serve would refuse this configuration: 4 problems/);
    expect(deep.stderr).to.not.match(/\n\s+at /);
    const json = JSON.parse((await cli(['config', 'check', file, '--deep', '--json'], {})).stdout) as { valid: boolean; problems: Array<{ code: string }> };
    expect(json.valid).to.equal(false);
    expect(json.problems.map((p) => p.code).sort()).to.deep.equal(['CERT_KEY_MISMATCH', 'CONFIG_ENV_MISSING', 'CONFIG_ENV_MISSING', 'CONFIG_FILE_UNREADABLE']);
  });

  const refused: Array<{ name: string; change: (c: ConfigInput) => void; env: () => NodeJS.ProcessEnv; deep: RegExp; serve: RegExp }> = [
    { name: 'PKCS#12 password variable not set', change: () => {}, env: () => ({}), deep: new RegExp(`CONFIG_ENV_MISSING: environment variable ${P12_ENV}`), serve: new RegExp(`Environment variable ${P12_ENV} .* is not set`) },
    { name: 'PKCS#12 file missing', change: (c) => void (certs(c)[1]!.p12File = path.join(dir, 'gone.p12')), env: goodEnv, deep: /CONFIG_FILE_UNREADABLE: .*gone\.p12: ENOENT/, serve: /gone\.p12: ENOENT/ },
    { name: 'PKCS#12 password wrong', change: () => {}, env: () => ({ [P12_ENV]: 'not-the-password' }), deep: /signingIdentities\.0\.certificates\.1: CERT_WRONG_PASSWORD/, serve: /CERT_WRONG_PASSWORD/ },
    { name: 'certificate and key do not match', change: (c) => void (certs(c)[0]!.keyFile = pki.tlsServer.keyFile), env: goodEnv, deep: /signingIdentities\.0\.certificates\.0: CERT_KEY_MISMATCH/, serve: /CERT_KEY_MISMATCH/ },
    { name: 'access point client key does not match', change: (c) => void (c.kanta!.accessPoints[0]!.tls!.client = { certFile: pki.tlsClients['ap-1']!.certFile, keyFile: pki.signing[ORG]!.keyFile }), env: goodEnv, deep: /kanta\.accessPoints\.0\.tls\.client: CERT_KEY_MISMATCH/, serve: /CERT_KEY_MISMATCH/ },
  ];
  for (const r of refused) {
    it(`${r.name}: serve refuses, and --deep refuses for the same reason`, async () => {
      const file = config(r.change);
      const [deep, serve] = await Promise.all([cli(['config', 'check', file, '--deep'], r.env()), cli(['serve', '--config', file], r.env())]);
      expect(serve.code, serve.stderr).to.equal(1);
      expect(serve.stderr).to.match(/kanta-gateway: cannot start: /);
      expect(serve.stderr).to.match(r.serve);
      expect(deep.code, deep.stdout).to.equal(1);
      expect(deep.stderr).to.match(r.deep);
    });
  }
});
