// Real processes for the queue tests: the gateway (`kanta-gateway serve`) and the Kanta double
// (`kanta-gateway kanta-double`) as child processes, so a test can kill -9 one of them, plus the
// demo's PKI and configuration. Admin calls to the double go over the same mutual TLS as the gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { DEMO, createDemoPki, newDemoTokens, writeDemoConfig, type DemoTokens } from '../../gateway/demo/demo-environment.ts';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { freePort } from '../../queues/local-redis-server.ts';

const BIN = new URL('../../bin/kanta-gateway.js', import.meta.url).pathname;

export interface ChildHandle {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildHandle {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function until(check: () => Promise<boolean>, what: string, handle: ChildHandle, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (handle.child.exitCode !== null) throw new Error(`${what} exited early:\n${handle.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready in ${ms} ms:\n${handle.output()}`);
}

export interface DoubleProcess extends ChildHandle {
  url: string;
  adminUrl: string;
  inspect(): Promise<{ archived: Array<{ documentId: string; setId: string; versionNumber: number; archivedAt: string }>; duplicates: number; rejectionsByCode: Record<string, number>; requests?: unknown }>;
  setFaults(f: Record<string, unknown>): Promise<void>;
}

export async function startDoubleProcess(pki: TestPkiManifest, dir: string, opts: { stateDir?: string; port?: number } = {}): Promise<DoubleProcess> {
  const port = opts.port ?? (await freePort());
  mkdirSync(dir, { recursive: true });
  const orgs = [DEMO.region, DEMO.hoiva, DEMO.perhe];
  const cfgFile = path.join(dir, 'kanta-double.json');
  writeFileSync(
    cfgFile,
    JSON.stringify({
      accessPoints: [{ senderId: DEMO.operator.oid, clientCertSerialNumber: DEMO.operator.oid, organisations: orgs.map((o) => o.oid), signerOids: orgs.map((o) => o.oid) }],
      serviceUnits: orgs.map((o) => ({ oid: o.unit, organisation: o.oid })),
    }),
  );
  const adminToken = randomBytes(16).toString('hex');
  const args = ['kanta-double', '--port', String(port), '--admin-token', adminToken, '--config', cfgFile, '--tls-cert', pki.tlsServer.certFile, '--tls-key', pki.tlsServer.keyFile, '--client-ca', pki.ca.certFile, '--signing-ca', pki.ca.certFile];
  if (opts.stateDir) args.push('--state-dir', opts.stateDir);
  const handle = spawnCli(args, {});
  const client = pki.tlsClients[DEMO.accessPoint]!;
  const dispatcher = new Agent({ connect: { ca: readFileSync(pki.ca.certFile), cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } });
  const base = `https://127.0.0.1:${port}`;
  const admin = async (p: string, init: { method?: string; body?: string } = {}) => {
    const res = await fetch(`${base}/admin${p}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, dispatcher } as RequestInit);
    if (!res.ok) throw new Error(`double admin ${p}: ${res.status}`);
    return res.json();
  };
  await until(async () => !!(await admin('/inspect')), 'kanta double', handle);
  return {
    ...handle,
    url: `${base}/kanta/sh`,
    adminUrl: `${base}/admin`,
    inspect: () => admin('/inspect') as ReturnType<DoubleProcess['inspect']>,
    setFaults: async (f) => void (await admin('/faults', { method: 'PUT', body: JSON.stringify(f) })),
    kill: async (signal = 'SIGTERM') => {
      await handle.kill(signal);
      await dispatcher.close();
    },
  };
}

export interface GatewayProcess extends ChildHandle {
  url: string;
}

export async function startGatewayProcess(configFile: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const handle = spawnCli(['serve', '--config', configFile], { KGW_CLIENT_KEY_SECRET: 'test-secret', KGW_LOG_LEVEL: 'error', ...env });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/readyz`)).ok, 'gateway', handle);
  return { ...handle, url };
}

export interface GatewayConfigFile {
  configFile: string;
  port: number;
  tokens: DemoTokens;
}

/** The demo configuration for a gateway child process talking to `kantaUrl` through `redisUrl`. */
export async function writeGatewayConfig(dir: string, pki: TestPkiManifest, redisUrl: string, kantaUrl: string, override?: (cfg: ConfigInput) => void): Promise<GatewayConfigFile> {
  const tokens = newDemoTokens();
  const port = await freePort();
  const configFile = writeDemoConfig({ dir, pki, redisUrl, kantaUrl, tokens, port, ...(override ? { override } : {}) });
  return { configFile, port, tokens };
}

export { createDemoPki };
