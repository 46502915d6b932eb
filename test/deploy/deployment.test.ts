// The deployment holds together without a Docker engine: deploy/docker-compose.yml and the Dockerfile
// are parsed and checked against what deploy/init.sh generates (every mounted file exists, one port
// everywhere, one Redis password on both sides), the image's health check is run against a real
// listener configured the way the sample is, and the runtime dependencies are what production runs.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../config/load.ts';
import { initCompose, CONTAINER_PKI } from '../../deploy/init-compose.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  network_mode?: string;
}
interface Compose { services: Record<string, Service>; secrets: Record<string, { file: string }> }

const compose = (): Compose => parse(readFileSync(path.join(DEPLOY, 'docker-compose.yml'), 'utf8')) as Compose;

/** Dockerfile instructions in order, continuation lines joined. */
function dockerfile(): Array<{ op: string; args: string }> {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

/** Relative and package imports of a source file (type-only imports left out: nothing loads them). */
function importsOf(file: string): { relative: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) specs.push(m[2]!);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/new URL\(\s*['"](\.[^'"]+\.(?:ts|js))['"],\s*import\.meta\.url\s*\)/g)) specs.push(m[1]!);
  const builtins = new Set(builtinModules);
  return {
    relative: specs.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s)),
    packages: specs
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s.split('/')[0]!))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
  };
}

/** Every file the running gateway can load, from its entry points, and the packages they import. */
function runtimeClosure(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (files.has(f) || !existsSync(f) || !/\.(ts|js)$/.test(f)) continue;
    files.add(f);
    const i = importsOf(f);
    i.packages.forEach((p) => packages.add(p));
    todo.push(...i.relative);
  }
  return { files, packages };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

function runHealthcheck(config: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(DEPLOY, 'healthcheck.ts'), config], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('deploy: compose, Dockerfile and the init step hold together', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-compose-'));
    await initCompose(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A host path as compose writes it (relative to deploy/) mapped to the init step's output. */
  const local = (p: string) => {
    expect(p.startsWith('./local/'), `${p} is under deploy/local (what deploy/init.sh writes)`).to.equal(true);
    return path.join(dir, p.slice('./local/'.length));
  };
  const sampleConfig = () => parse(readFileSync(path.join(dir, 'gateway.yaml'), 'utf8')) as Record<string, unknown> & { gateway: { port: number; host: string; tls?: unknown }; redis: { passwordEnv?: string; url: string } };
  const envFile = (f: string) => Object.fromEntries(readFileSync(f, 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('mounts only files the init step creates, and the sample configuration is valid', () => {
    const c = compose();
    for (const [name, s] of Object.entries(c.services)) {
      for (const v of s.volumes ?? []) {
        const [host] = v.split(':');
        if (!host!.startsWith('.')) continue; // a named volume
        expect(existsSync(local(host!)), `${name} mounts ${host}`).to.equal(true);
      }
      for (const f of s.env_file ?? []) expect(existsSync(local(f)), `${name} env_file ${f}`).to.equal(true);
      for (const sec of s.secrets ?? []) expect(c.secrets[sec], `secret ${sec} declared`).to.not.equal(undefined);
    }
    for (const [name, sec] of Object.entries(c.secrets)) expect(existsSync(local(sec.file)), `secret ${name}`).to.equal(true);
    const loaded = validateConfig(sampleConfig(), path.join(dir, 'gateway.yaml'), dir);
    expect(loaded.config.gateway.tls).to.not.equal(undefined);
  });

  it('points every file path of the sample configurations at the PKI mounted in the containers', () => {
    const pkiMount = compose().services.gateway!.volumes!.find((v) => v.split(':')[1] === CONTAINER_PKI);
    expect(pkiMount, 'the gateway mounts the PKI').to.not.equal(undefined);
    for (const file of ['gateway.yaml', 'kanta-double.yaml']) {
      const paths = [...readFileSync(path.join(dir, file), 'utf8').matchAll(/(\/etc\/[^\s'"]+)/g)].map((m) => m[1]!);
      expect(paths.length, file).to.be.greaterThan(2);
      for (const p of paths) {
        expect(p.startsWith(`${CONTAINER_PKI}/`), `${file}: ${p}`).to.equal(true);
        expect(existsSync(path.join(dir, 'pki', p.slice(CONTAINER_PKI.length + 1))), `${file}: ${p} exists`).to.equal(true);
      }
    }
    // The containers run as their own users: the mounted files must be readable by others.
    for (const f of readdirSync(path.join(dir, 'pki'))) expect(statSync(path.join(dir, 'pki', f)).mode & 0o004, f).to.not.equal(0);
    for (const f of ['redis.conf', 'client-key-secret']) expect(statSync(path.join(dir, 'secrets', f)).mode & 0o004, f).to.not.equal(0);
  });

  it('uses one port everywhere: the sample config, compose, the Dockerfile EXPOSE', () => {
    const port = sampleConfig().gateway.port;
    const gw = compose().services.gateway!;
    expect(gw.ports).to.deep.equal([`${port}:${port}`]);
    expect(gw.environment?.KGW_PORT, 'no override that would move the port away from the config').to.equal(undefined);
    const expose = dockerfile().filter((i) => i.op === 'EXPOSE').map((i) => i.args);
    expect(expose).to.deep.equal([String(port)]);
    expect(sampleConfig().gateway.host).to.equal('0.0.0.0');
  });

  it('gives Redis a password, a healthcheck and the persistence production needs; the gateway waits for it and has the same password', () => {
    const c = compose();
    const redis = c.services.redis!;
    const cmd = redis.command!;
    const conf = cmd[1]!;
    expect(cmd[0]).to.equal('redis-server');
    const secretName = path.posix.basename(conf);
    expect(conf).to.equal(`/run/secrets/${secretName}`);
    expect(redis.secrets).to.include(secretName);
    const flag = (f: string) => cmd[cmd.indexOf(f) + 1];
    expect(flag('--maxmemory-policy')).to.equal('noeviction');
    expect(flag('--appendonly')).to.equal('yes');
    expect(flag('--appendfsync')).to.equal('everysec');
    expect(redis.healthcheck?.test?.join(' ')).to.include('redis-cli ping').and.include(conf);

    const requirepass = /^requirepass (\S+)$/m.exec(readFileSync(local(c.secrets[secretName]!.file), 'utf8'))?.[1];
    expect(requirepass).to.match(/^[0-9a-f]{48}$/);
    const gw = c.services.gateway!;
    expect(gw.depends_on).to.deep.equal({ redis: { condition: 'service_healthy' } });
    const passwordEnv = sampleConfig().redis.passwordEnv!;
    expect(passwordEnv).to.be.a('string');
    const env = Object.assign({}, ...(gw.env_file ?? []).map((f) => envFile(local(f))), gw.environment);
    expect(env[passwordEnv], `${passwordEnv} is the Redis password`).to.equal(requirepass);
    expect(new URL(sampleConfig().redis.url).hostname).to.equal('redis');
  });

  it('hands the gateway its pseudonym secret and configuration where the image looks for them', () => {
    const gw = compose().services.gateway!;
    const secretFile = gw.environment!.KGW_CLIENT_KEY_SECRET_FILE!;
    expect(gw.secrets).to.include(path.posix.basename(secretFile));
    expect(secretFile).to.equal(`/run/secrets/${path.posix.basename(secretFile)}`);
    expect(gw.environment!.NODE_ENV).to.equal('production');
    const cmd = dockerfile().find((i) => i.op === 'CMD')!.args;
    const configPath = (JSON.parse(cmd) as string[]).at(-1)!;
    expect(gw.volumes!.map((v) => v.split(':')[1])).to.include(configPath);
    expect(gw.environment!.KGW_CONFIG).to.equal(configPath);
    expect(dockerfile().some((i) => i.op === 'ENV' && i.args.includes(`KGW_CONFIG=${configPath}`))).to.equal(true);
  });

  it('runs the Kanta double where the sample access point points', () => {
    const c = compose();
    const d = c.services['kanta-double']!;
    const url = new URL((sampleConfig().kanta as { accessPoints: Array<{ url: string }> }).accessPoints[0]!.url);
    expect(d.network_mode).to.equal('service:gateway');
    expect(url.hostname).to.equal('127.0.0.1');
    expect(d.command![d.command!.indexOf('--port') + 1]).to.equal(url.port);
    expect(d.command![d.command!.indexOf('--host') + 1]).to.equal(url.hostname);
    const cfg = d.command![d.command!.indexOf('--config') + 1]!;
    expect(d.volumes!.map((v) => v.split(':')[1])).to.include(cfg);
    expect(d.healthcheck?.disable, "the image's HEALTHCHECK probes the gateway, not the double").to.equal(true);
  });

  it('builds on a Node LTS line in support, installs production dependencies only, and copies every runtime source directory', () => {
    const steps = dockerfile();
    const froms = steps.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]!);
    expect(froms.length).to.be.greaterThan(0);
    for (const f of froms) expect(f, f).to.match(/^node:(24|26)(\.[0-9.]+)?(-[a-z]+)*$/);
    expect(steps.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args)).every((i) => i.args.includes('--omit=dev'))).to.equal(true);
    expect(steps.some((i) => i.op === 'USER' && i.args === 'node')).to.equal(true);

    const copied = steps.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args.split(/\s+/)[0]!);
    const { files } = runtimeClosure([path.join(ROOT, 'bin/kanta-gateway.js'), path.join(ROOT, 'gateway/cli.ts'), path.join(DEPLOY, 'healthcheck.ts')]);
    const needed = new Set([...files].map((f) => path.relative(ROOT, f)).map((r) => (r.startsWith('deploy/') ? r : r.split(path.sep)[0]!)));
    for (const n of needed) expect(copied, `the image needs ${n}`).to.include(n);
  });

  it("runs a HEALTHCHECK that follows the listen configuration (port, TLS, KGW_* overrides)", async () => {
    const hc = dockerfile().find((i) => i.op === 'HEALTHCHECK')!.args;
    expect(hc).to.include('deploy/healthcheck.ts');
    const pki = path.join(dir, 'pki');
    const tlsServer = https.createServer({ cert: readFileSync(path.join(pki, 'tls-server.cert.pem')), key: readFileSync(path.join(pki, 'tls-server.key.pem')) }, (req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 404).end();
    });
    const plainServer = http.createServer((_req, res) => void res.writeHead(200).end());
    const listen = (s: http.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
    const [tlsPort, plainPort] = [await listen(tlsServer), await listen(plainServer)];
    const config = path.join(dir, 'gateway.yaml');
    try {
      // The sample's TLS listener, moved to a free port by the same override serve honours.
      expect(await runHealthcheck(config, { KGW_PORT: String(tlsPort) }), 'healthy over TLS').to.equal(0);
      expect(await runHealthcheck(config, { KGW_CONFIG__gateway__port: String(tlsPort) }), 'general override form').to.equal(0);
      // The config says TLS: a plain HTTP listener on the port is not the gateway.
      expect(await runHealthcheck(config, { KGW_PORT: String(plainPort) }), 'TLS expected').to.equal(1);
      tlsServer.close();
      await new Promise((r) => tlsServer.once('close', r));
      expect(await runHealthcheck(config, { KGW_PORT: String(tlsPort) }), 'nothing listening').to.equal(1);
    } finally {
      tlsServer.close();
      plainServer.close();
    }
  });

  it('keeps test-only packages out of the runtime dependencies, and every runtime import in them', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const runtime = runtimeClosure([path.join(ROOT, 'bin/kanta-gateway.js'), path.join(ROOT, 'gateway/cli.ts'), path.join(DEPLOY, 'healthcheck.ts')]);
    // The HEALTHCHECK loads tsx with --import (no import statement).
    runtime.packages.add('tsx');
    // The demo's certified-system simulator plays a vendor's SOAP stack with the `soap` package; it is
    // loaded only by `demo`, guarded (SoapPackageMissing), so the production image need not carry it.
    const optionalDevImports: Record<string, string> = { soap: 'gateway/demo/certified-client.ts' };
    for (const [p, file] of Object.entries(optionalDevImports)) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), `${file} guards its import of ${p}`).to.match(new RegExp(`try \\{\\s*\\w+ = await import\\('${p}'\\);\\s*\\} catch`));
      expect(Object.keys(pkg.devDependencies)).to.include(p);
      runtime.packages.delete(p);
    }
    for (const p of runtime.packages) expect(Object.keys(pkg.dependencies), `runtime code imports ${p}`).to.include(p);
    const testOnly = new Set<string>();
    for (const f of [...filesUnder(path.join(ROOT, 'test')), ...filesUnder(path.join(ROOT, 'bench'))]) for (const p of importsOf(f).packages) if (!runtime.packages.has(p)) testOnly.add(p);
    for (const p of testOnly) expect(Object.keys(pkg.dependencies), `${p} is used only by tests and benchmarks: a devDependency`).not.to.include(p);
    expect(pkg.devDependencies).to.include.keys('soap', 'xpath');
  });
});
