import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ConfigHolder } from '../../config/config-holder.ts';
import { isConfigError, loadConfig, type ConfigError, type LoadedConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';

const REGION = '1.2.246.10.11111111.10.0';
const PROVIDER = '1.2.246.10.22222222.10.0';
const TOKEN = 'a'.repeat(64);

function base(): ConfigInput {
  return {
    redis: { url: 'redis://127.0.0.1:6399', keyPrefix: 'kgw' },
    kanta: { accessPoints: [{ id: 'ap-1', url: 'https://kanta.example/sh', senderId: '1.2.246.10.99999999.10.0', tls: { caFile: 'pki/ca.pem' } }] },
    organisations: [
      { oid: REGION, name: 'Alue', kind: 'welfare-region' },
      { oid: PROVIDER, name: 'Hoiva Oy', kind: 'private-provider' },
    ],
    signingIdentities: [{ id: 'sign-region', organisation: REGION, certificates: [{ certFile: 'pki/region.pem', keyFile: '/abs/region.key' }] }],
    tenants: [
      { id: 'region', name: 'Alue', credentials: { apiTokenSha256: [TOKEN] }, actsFor: [{ organisation: REGION, joining: { model: 'direct' } }], accessPoint: 'ap-1', signingIdentity: 'sign-region' },
      { id: 'hoiva', name: 'Hoiva', credentials: { tlsClients: [{ subject: 'CN=hoiva', issuer: 'CN=ca' }] }, actsFor: [{ organisation: PROVIDER, joining: { model: 'parallel', organizer: REGION } }], accessPoint: 'ap-1', signingIdentity: 'sign-region' },
    ],
    contracts: [{ id: 'c-1', organizer: REGION, provider: PROVIDER, serviceTasks: ['24'], validFrom: '2026-01-01', validTo: '2026-12-31' }],
  };
}

let dir: string;
function write(name: string, content: string | ConfigInput): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : name.endsWith('.json') ? JSON.stringify(content) : stringify(content));
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(isConfigError(err)).to.equal(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config/load', () => {
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-config-'));
  });

  it('loads the valid base configuration with defaults applied', () => {
    const { config, version, file } = loadConfig(write('ok.yaml', base()), {});
    expect(file).to.equal(path.join(dir, 'ok.yaml'));
    expect(version).to.match(/^[0-9a-f]{12}$/);
    expect(config.queues.retry.attempts).to.equal(200);
    expect(config.gateway.port).to.equal(8080);
    expect(config.tenants[0]!.weight).to.equal(1);
  });

  const mistakes: Array<{ name: string; mutate: (c: ConfigInput) => void; path: string; reason: RegExp }> = [
    { name: 'unknown key', mutate: (c) => void ((c.tenants![0] as Record<string, unknown>).colour = 'blue'), path: 'tenants.0', reason: /colour/ },
    { name: 'unknown top-level key', mutate: (c) => void ((c as Record<string, unknown>).extras = {}), path: '', reason: /extras/ },
    { name: 'bad OID', mutate: (c) => void (c.organisations![1]!.oid = '1.2.x.4'), path: 'organisations.1.oid', reason: /dotted OID/ },
    { name: 'OID with a leading zero', mutate: (c) => void (c.organisations![1]!.oid = '1.2.0246.1'), path: 'organisations.1.oid', reason: /dotted OID/ },
    { name: 'unknown organisation in a tenant', mutate: (c) => void (c.tenants![0]!.actsFor[0]!.organisation = '1.2.246.10.55555555.10.0'), path: 'tenants.0.actsFor.0.organisation', reason: /unknown organisation 1\.2\.246\.10\.55555555\.10\.0/ },
    { name: 'unknown organizer of a parallel joiner', mutate: (c) => void (c.tenants![1]!.actsFor[0]!.joining = { model: 'parallel', organizer: '1.2.3' }), path: 'tenants.1.actsFor.0.joining.organizer', reason: /unknown organisation 1\.2\.3/ },
    { name: 'duplicate tenant id', mutate: (c) => void (c.tenants![1]!.id = 'region'), path: 'tenants.1', reason: /duplicate tenant id region/ },
    { name: 'tenant without credentials', mutate: (c) => void (c.tenants![0]!.credentials = {}), path: 'tenants.0.credentials', reason: /API token or a TLS client identity/ },
    { name: 'contract validTo before validFrom', mutate: (c) => void (c.contracts![0]!.validTo = '2025-12-31'), path: 'contracts.0.validTo', reason: /before validFrom/ },
    { name: 'unknown access point', mutate: (c) => void (c.tenants![1]!.accessPoint = 'ap-9'), path: 'tenants.1.accessPoint', reason: /unknown access point ap-9/ },
    { name: 'unknown signing identity', mutate: (c) => void (c.tenants![0]!.signingIdentity = 'sign-x'), path: 'tenants.0.signingIdentity', reason: /unknown signing identity sign-x/ },
    { name: 'token that is not a SHA-256', mutate: (c) => void (c.tenants![0]!.credentials.apiTokenSha256 = ['secret-token']), path: 'tenants.0.credentials.apiTokenSha256.0', reason: /SHA-256/ },
    { name: 'wrong type', mutate: (c) => void ((c.queues as Record<string, unknown>) = { laneConcurrency: 'many' }), path: 'queues.laneConcurrency', reason: /number/ },
  ];
  for (const m of mistakes) {
    it(`reports with file, path and reason: ${m.name}`, () => {
      const cfg = base();
      m.mutate(cfg);
      const file = write(`bad-${m.name.replace(/\W+/g, '-')}.yaml`, cfg);
      const err = configError(() => loadConfig(file, {}));
      expect(err.code).to.equal('CONFIG_INVALID');
      expect(err.details.file).to.equal(file);
      const issue = err.details.issues.find((i) => i.path === m.path);
      expect(issue, `issues: ${JSON.stringify(err.details.issues)}`).to.not.equal(undefined);
      expect(issue!.reason).to.match(m.reason);
      expect(err.message).to.contain(`${file}: ${m.path || '(root)'}: ${issue!.reason}`);
    });
  }

  it('reports every issue of a file at once, not just the first', () => {
    const cfg = base();
    cfg.tenants![0]!.accessPoint = 'ap-9';
    cfg.contracts![0]!.validTo = '2020-01-01';
    const err = configError(() => loadConfig(write('two.yaml', cfg), {}));
    expect(err.details.issues.map((i) => i.path).sort()).to.deep.equal(['contracts.0.validTo', 'tenants.0.accessPoint']);
  });

  it('reports unreadable, unparsable and non-mapping files', () => {
    expect(configError(() => loadConfig(path.join(dir, 'missing.yaml'), {})).details.issues[0]!.reason).to.match(/cannot read: ENOENT/);
    expect(configError(() => loadConfig(write('broken.yaml', 'tenants: [\n  - id: x\n  bad'), {})).details.issues[0]!.reason).to.match(/^cannot parse/);
    expect(configError(() => loadConfig(write('broken.json', '{"tenants": '), {})).details.issues[0]!.reason).to.match(/^cannot parse/);
    expect(configError(() => loadConfig(write('list.yaml', '- a\n- b\n'), {})).details.issues[0]!.reason).to.equal('top level must be a mapping');
  });

  it('loads YAML and JSON of the same content to the same configuration and version', () => {
    const y = loadConfig(write('same.yaml', base()), {});
    const j = loadConfig(write('same.json', base()), {});
    expect(j.config).to.deep.equal(y.config);
    expect(j.version).to.equal(y.version);
  });

  it('applies environment overrides', () => {
    const file = write('env.yaml', base());
    const { config } = loadConfig(file, {
      KGW_REDIS_URL: 'redis://redis.internal:6380',
      KGW_CONFIG__gateway__port: '9999',
      KGW_CONFIG__queues__retry__attempts: '7',
      KGW_CONFIG__tenants__1__paused: 'true',
      KGW_CONFIG__kanta__accessPoints__0__url: 'https://other.example/sh',
      UNRELATED: 'x',
    });
    expect(config.redis.url).to.equal('redis://redis.internal:6380');
    expect(config.gateway.port).to.equal(9999);
    expect(config.queues.retry.attempts).to.equal(7);
    expect(config.tenants[1]!.paused).to.equal(true);
    expect(config.tenants[0]!.paused).to.equal(false);
    expect(config.kanta.accessPoints[0]!.url).to.equal('https://other.example/sh');
    // KGW_PORT and KGW_HOST, and overrides are validated like the file.
    expect(loadConfig(file, { KGW_PORT: '8443', KGW_HOST: '0.0.0.0' }).config.gateway).to.include({ port: 8443, host: '0.0.0.0' });
    const err = configError(() => loadConfig(file, { KGW_CONFIG__gateway__port: '70000' }));
    expect(err.details.issues[0]!.path).to.equal('gateway.port');
  });

  it('resolves relative file paths against the config file directory, wherever the process runs', () => {
    const sub = path.join(dir, 'etc');
    mkdirSync(sub, { recursive: true });
    const file = path.join(sub, 'gateway.yaml');
    writeFileSync(file, stringify(base()));
    const { config } = loadConfig(path.relative(process.cwd(), file), {});
    const cert = config.signingIdentities[0]!.certificates[0]! as { certFile: string; keyFile: string };
    expect(cert.certFile).to.equal(path.join(sub, 'pki/region.pem'));
    expect(cert.keyFile).to.equal('/abs/region.key');
    expect(config.kanta.accessPoints[0]!.tls!.caFile).to.equal(path.join(sub, 'pki/ca.pem'));
    // Not a file key: left as written.
    expect(config.redis.url).to.equal('redis://127.0.0.1:6399');
  });

  it('deep-freezes the loaded configuration', () => {
    const { config } = loadConfig(write('frozen.yaml', base()), {});
    for (const v of [config, config.tenants, config.tenants[0], config.tenants[0]!.actsFor[0]!.joining, config.queues.retry, config.kanta.codes.serviceRequest]) {
      expect(Object.isFrozen(v)).to.equal(true);
    }
    expect(() => {
      (config.queues.retry as { attempts: number }).attempts = 1;
    }).to.throw(TypeError);
    expect(() => (config.tenants as unknown as unknown[]).push({})).to.throw(TypeError);
  });

  it('changes the version if and only if the effective content changes', () => {
    const v = (name: string, content: string | ConfigInput, env: NodeJS.ProcessEnv = {}) => loadConfig(write(name, content), env).version;
    const original = v('v1.yaml', base());
    // Comments, layout and key order do not change the content.
    const reordered = base();
    const { tenants, organisations, ...rest } = reordered;
    expect(v('v2.yaml', `# a comment\n${stringify({ tenants, ...rest, organisations }, { indent: 4 })}`)).to.equal(original);
    // Spelling out a default does not either: the effective configuration is the same.
    expect(v('v3.yaml', { ...base(), queues: { retry: { attempts: 200 } } })).to.equal(original);
    const changed = base();
    changed.tenants![0]!.weight = 3;
    expect(v('v4.yaml', changed)).to.not.equal(original);
    expect(v('v5.yaml', base(), { KGW_CONFIG__gateway__port: '9000' })).to.not.equal(original);
  });
});

describe('config/config-holder', () => {
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-holder-'));
  });

  it('is not ready until a configuration loads', () => {
    const holder = new ConfigHolder(path.join(dir, 'absent.yaml'), {});
    expect(holder.ready).to.equal(false);
    expect(() => holder.current).to.throw(/not loaded/);
    const r = holder.reload();
    expect(r.ok).to.equal(false);
    expect(holder.ready).to.equal(false);
    expect(holder.lastReloadError).to.match(/cannot read/);
    if (!r.ok) expect(r.keptVersion).to.equal(undefined);
  });

  it('loads, reports unchanged reloads, applies changes, and keeps the last good version on a bad file', () => {
    const file = write('holder.yaml', base());
    const holder = new ConfigHolder(file, {});
    const seen: string[] = [];
    holder.onChange((c) => seen.push(c.version));
    const first = holder.reload();
    expect(first.ok).to.equal(true);
    expect(holder.ready).to.equal(true);
    const v1 = holder.current.version;
    expect(seen).to.deep.equal([v1]);

    expect(holder.reload()).to.deep.equal({ ok: true, version: v1, changed: false });
    expect(seen).to.deep.equal([v1]);

    writeFileSync(file, 'organisations: [oops');
    const bad = holder.reload();
    expect(bad.ok).to.equal(false);
    if (!bad.ok) {
      expect(bad.keptVersion).to.equal(v1);
      expect(isConfigError(bad.error)).to.equal(true);
    }
    expect(holder.current.version).to.equal(v1);
    expect(holder.lastReloadError).to.match(/cannot parse/);
    expect(seen).to.deep.equal([v1]);

    const next = base();
    next.tenants![0]!.weight = 5;
    writeFileSync(file, stringify(next));
    const good = holder.reload();
    expect(good.ok && good.changed).to.equal(true);
    expect(holder.current.version).to.not.equal(v1);
    expect(holder.current.config.tenants[0]!.weight).to.equal(5);
    expect(holder.lastReloadError).to.equal(undefined);
    expect(seen).to.have.length(2);
  });

  it('stays not ready when a listener refuses the very first configuration', () => {
    const holder = new ConfigHolder(write('first-refused.yaml', base()), {});
    holder.onChange(() => {
      throw new Error('signing key does not open');
    });
    const r = holder.reload();
    expect(r.ok).to.equal(false);
    expect(holder.ready).to.equal(false);
    expect(holder.lastReloadError).to.equal('signing key does not open');
  });

  it('keeps the previous version when a listener refuses the new one', () => {
    const file = write('refuse.yaml', base());
    const holder = new ConfigHolder(file, {});
    holder.reload();
    const v1 = holder.current.version;
    const applied: LoadedConfig[] = [];
    holder.onChange((c) => {
      if (c.config.tenants[0]!.weight === 9) throw new Error('key file does not open');
      applied.push(c);
    });
    const next = base();
    next.tenants![0]!.weight = 9;
    writeFileSync(file, stringify(next));
    const r = holder.reload();
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.keptVersion).to.equal(v1);
    expect(holder.current.version).to.equal(v1);
    expect(applied.at(-1)!.version).to.equal(v1);
    expect(holder.lastReloadError).to.equal('key file does not open');
  });
});
