// The demo: everything on this machine, nothing to configure. A real redis-server (data under
// ./var/demo/redis, AOF on), a test PKI, the Kanta archive double over mutual TLS, the gateway with a
// sample configuration (one welfare region, one private provider producing services for it under a
// registry-use right, one private provider's own services), sample documents followed to `archived`,
// and a summary table. The environment builder is also the end-to-end test fixture.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { makeSampleCda } from '../adapters/cda/sample-document.ts';
import { startKantaDouble, type KantaDouble, type KantaDoubleOptions } from '../adapters/kanta-double/server.ts';
import { initTestPki, type TestPkiManifest } from '../certs/test-pki.ts';
import type { ConfigInput } from '../config/schema.ts';
import { freePort, startLocalRedis, type LocalRedis } from '../queues/local-redis-server.ts';
import { sha256Hex } from './auth.ts';
import { createLogger, type Logger } from './logger.ts';
import { startGateway, type RunningGateway } from './main.ts';

export const DEMO = {
  region: { oid: '1.2.246.10.11111111.10.0', name: 'Esimerkin hyvinvointialue', unit: '1.2.246.10.11111111.10.1', unitName: 'Lapsiperheiden sosiaalityö' },
  hoiva: { oid: '1.2.246.10.22222222.10.0', name: 'Hoivapalvelu Esimerkki Oy', unit: '1.2.246.10.22222222.10.1', unitName: 'Perhetyön yksikkö' },
  perhe: { oid: '1.2.246.10.33333333.10.0', name: 'Perhepalvelu Oy', unit: '1.2.246.10.33333333.10.1', unitName: 'Perheneuvola' },
  operator: { oid: '1.2.246.10.99999999.10.0', name: 'Gateway-operaattori (Kanta-välittäjä)' },
  accessPoint: 'ap-demo',
  serviceTask: '24',
} as const;

export interface DemoEnvironment {
  dir: string;
  configFile: string;
  redis: LocalRedis;
  double: KantaDouble;
  pki: TestPkiManifest;
  tokens: DemoTokens;
  stop(): Promise<void>;
}

export interface DemoEnvironmentOptions {
  dir: string;
  /** Gateway port (0 = free port). */
  port?: number;
  /** Reuse a running Redis instead of starting one. */
  redis?: LocalRedis;
  /** Extra config applied on top of the sample (e.g. queue timings in tests). */
  override?: (cfg: ConfigInput) => void;
  doubleFaults?: Parameters<KantaDouble['setFaults']>[0];
  /** Keep the double's archive across restarts in this directory. */
  doubleStateDir?: string;
}

const DEMO_ORGS = [DEMO.region, DEMO.hoiva, DEMO.perhe];

/** The test PKI of the demo: a CA, a system-signature certificate per organisation, TLS certificates. */
export async function createDemoPki(dir: string): Promise<TestPkiManifest> {
  rmSync(dir, { recursive: true, force: true });
  return initTestPki(dir, {
    organisations: DEMO_ORGS.map((o) => ({ oid: o.oid, name: o.name })),
    accessPoints: [{ id: DEMO.accessPoint, senderId: DEMO.operator.oid }],
  });
}

/** How the Kanta double must know the demo's access point, units and signing CA. */
export function demoDoubleOptions(pki: TestPkiManifest, stateDir?: string): KantaDoubleOptions {
  const caPem = readFileSync(pki.ca.certFile, 'utf8');
  return {
    tls: { certPem: readFileSync(pki.tlsServer.certFile, 'utf8'), keyPem: readFileSync(pki.tlsServer.keyFile, 'utf8'), clientCaPems: [caPem] },
    accessPoints: [{ senderId: DEMO.operator.oid, clientCertSerialNumber: DEMO.operator.oid, organisations: DEMO_ORGS.map((o) => o.oid), signerOids: DEMO_ORGS.map((o) => o.oid) }],
    serviceUnits: DEMO_ORGS.map((o) => ({ oid: o.unit, organisation: o.oid })),
    signingCaPems: [caPem],
    ...(stateDir ? { stateDir } : {}),
  };
}

export type DemoTokens = { region: string; hoiva: string; perhe: string; ops: string };

export function newDemoTokens(): DemoTokens {
  return { region: randomBytes(24).toString('hex'), hoiva: randomBytes(24).toString('hex'), perhe: randomBytes(24).toString('hex'), ops: randomBytes(24).toString('hex') };
}

/** Writes the sample gateway configuration (gateway.yaml) and returns its path. */
export function writeDemoConfig(args: { dir: string; pki: TestPkiManifest; redisUrl: string; kantaUrl: string; tokens: DemoTokens; port?: number; override?: (cfg: ConfigInput) => void }): string {
  const { pki, tokens } = args;
  const client = pki.tlsClients[DEMO.accessPoint]!;
  const idOf = (o: (typeof DEMO_ORGS)[number]) => `sign-${o === DEMO.region ? 'region' : o === DEMO.hoiva ? 'hoiva' : 'perhe'}`;
  const cfg: ConfigInput = {
    gateway: { host: '127.0.0.1', port: args.port ?? 0, opsTokenSha256: [sha256Hex(tokens.ops)] },
    redis: { url: args.redisUrl, keyPrefix: 'kgw' },
    kanta: {
      accessPoints: [
        {
          id: DEMO.accessPoint,
          url: args.kantaUrl,
          binding: 'soap',
          senderId: DEMO.operator.oid,
          processingCode: 'T',
          tls: { client: { certFile: client.certFile, keyFile: client.keyFile }, caFile: pki.ca.certFile },
        },
      ],
    },
    // Tenant-applied signatures are verified against the demo CA (without a trusted CA they are refused).
    signer: { threads: 0, selfCheck: true, trustedCaFile: pki.ca.certFile },
    queues: { retry: { baseDelayMs: 200, maxDelayMs: 5_000 }, batch: { size: 16, waitMs: 20 } },
    // documentOidArc: where JSON intake mints each organisation's document ids (docs/json-intake.md).
    organisations: [
      { oid: DEMO.region.oid, name: DEMO.region.name, kind: 'welfare-region', documentOidArc: '1.2.246.10.11111111.95.2026' },
      { oid: DEMO.hoiva.oid, name: DEMO.hoiva.name, kind: 'private-provider', documentOidArc: '1.2.246.10.22222222.95.2026' },
      { oid: DEMO.perhe.oid, name: DEMO.perhe.name, kind: 'private-provider', documentOidArc: '1.2.246.10.33333333.95.2026' },
    ],
    serviceUnits: DEMO_ORGS.map((o) => ({ oid: o.unit, organisation: o.oid, name: o.unitName })),
    signingIdentities: DEMO_ORGS.map((o) => ({ id: idOf(o), organisation: o.oid, certificates: [{ certFile: pki.signing[o.oid]!.certFile, keyFile: pki.signing[o.oid]!.keyFile }] })),
    tenants: [
      { id: 'region', name: `${DEMO.region.name} (asiakastietojärjestelmä)`, credentials: { apiTokenSha256: [sha256Hex(tokens.region)] }, actsFor: [{ organisation: DEMO.region.oid, joining: { model: 'direct' } }], accessPoint: DEMO.accessPoint, signingIdentity: 'sign-region', weight: 2 },
      { id: 'hoiva', name: DEMO.hoiva.name, credentials: { apiTokenSha256: [sha256Hex(tokens.hoiva)] }, actsFor: [{ organisation: DEMO.hoiva.oid, joining: { model: 'direct' } }], accessPoint: DEMO.accessPoint, signingIdentity: 'sign-hoiva' },
      { id: 'perhe', name: DEMO.perhe.name, credentials: { apiTokenSha256: [sha256Hex(tokens.perhe)] }, actsFor: [{ organisation: DEMO.perhe.oid, joining: { model: 'direct' } }], accessPoint: DEMO.accessPoint, signingIdentity: 'sign-perhe' },
    ],
    contracts: [{ id: 'region-hoiva-2026', organizer: DEMO.region.oid, provider: DEMO.hoiva.oid, serviceTasks: [DEMO.serviceTask], validFrom: '2026-01-01' }],
  };
  args.override?.(cfg);
  const configFile = path.join(args.dir, 'gateway.yaml');
  writeFileSync(configFile, `# Generated by kanta-gateway demo: synthetic organisations, test certificates only.\n${stringify(cfg)}`);
  return configFile;
}

/** Starts Redis, PKI and the Kanta double (in this process) and writes the sample gateway configuration. */
export async function buildDemoEnvironment(opts: DemoEnvironmentOptions): Promise<DemoEnvironment> {
  mkdirSync(opts.dir, { recursive: true });
  const pki = await createDemoPki(path.join(opts.dir, 'pki'));
  const redis = opts.redis ?? (await startLocalRedis({ dir: path.join(opts.dir, 'redis'), appendOnly: true }));
  let double: KantaDouble;
  try {
    double = await startKantaDouble({ ...demoDoubleOptions(pki, opts.doubleStateDir), ...(opts.doubleFaults ? { faults: opts.doubleFaults } : {}) });
  } catch (err) {
    if (!opts.redis) await redis.stop();
    throw err;
  }
  const tokens = newDemoTokens();
  const configFile = writeDemoConfig({ dir: opts.dir, pki, redisUrl: redis.url, kantaUrl: double.url, tokens, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.override ? { override: opts.override } : {}) });
  return {
    dir: opts.dir,
    configFile,
    redis,
    double,
    pki,
    tokens,
    stop: async () => {
      await double.close();
      if (!opts.redis) await redis.stop();
    },
  };
}

export interface SampleSubmission {
  label: string;
  tenant: keyof DemoEnvironment['tokens'];
  xml: string;
  operation?: 'archive' | 'version' | 'void';
}

let serial = 0;
/** Document OIDs under the organisation's arc (kanta.md §2), unique per run. */
export function newDocumentId(org: string): string {
  serial += 1;
  return `${org}.95.${Date.now()}${String(serial).padStart(4, '0')}`;
}

/** The sample flow: a right opened by the region's asiakkuusasiakirja, then documents that use it. */
export function sampleSubmissions(): SampleSubmission[] {
  const child = makeHetu(15, 3, 2016, 901);
  const adult = makeHetu(2, 11, 1984, 902);
  const relationship = newDocumentId(DEMO.region.oid);
  const plan = newDocumentId(DEMO.region.oid);
  const planV2 = newDocumentId(DEMO.region.oid);
  const base = { custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, hetu: child, functionCode: DEMO.serviceTask };
  return [
    {
      label: 'region: asiakkuusasiakirja opening a right for Hoivapalvelu',
      tenant: 'region',
      xml: makeSampleCda({ ...base, documentId: relationship, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, unitName: DEMO.hoiva.unitName, start: '2026-09-01' }] } }),
    },
    { label: 'region: client plan, version 1', tenant: 'region', xml: makeSampleCda({ ...base, documentId: plan, note: 'Asiakassuunnitelma' }) },
    {
      label: 'region: client plan, version 2',
      tenant: 'region',
      operation: 'version',
      xml: makeSampleCda({ ...base, documentId: planV2, setId: plan, versionNumber: 2, parent: { id: plan, setId: plan, versionNumber: 1 }, note: 'Asiakassuunnitelma, päivitetty' }),
    },
    {
      label: 'hoiva: service note into the region\'s registry (registry-use right)',
      tenant: 'hoiva',
      xml: makeSampleCda({ ...base, documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit, serviceUnitName: DEMO.hoiva.unitName, note: 'Perhetyön käyntikirjaus' }),
    },
    {
      label: 'hoiva: note dated before the right starts (refused)',
      tenant: 'hoiva',
      xml: makeSampleCda({ ...base, documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit, effectiveTime: '20260815120000+0300', note: 'Liian aikainen kirjaus' }),
    },
    {
      label: 'perhe: own service, own registry',
      tenant: 'perhe',
      xml: makeSampleCda({ custodian: DEMO.perhe.oid, custodianName: DEMO.perhe.name, serviceUnit: DEMO.perhe.unit, hetu: adult, functionCode: '21', documentId: newDocumentId(DEMO.perhe.oid), note: 'Perheneuvolan muistio' }),
    },
  ];
}

export interface SubmissionResult {
  label: string;
  tenant: string;
  documentId?: string;
  httpStatus: number;
  status: string;
  controller?: string;
  ruleId?: string;
  code?: string;
  attempts?: number;
  millis?: number;
}

export async function submit(gatewayUrl: string, token: string, xml: string, operation?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gatewayUrl}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', ...(operation ? { 'kanta-operation': operation } : {}) },
    body: xml,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function statusOf(gatewayUrl: string, token: string, documentId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${gatewayUrl}/v1/documents/${encodeURIComponent(documentId)}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
}

const FINAL = new Set(['archived', 'parked', 'rejected']);

/** Submits the samples in order and follows every accepted one to a final state. */
export async function runSamples(gw: Pick<RunningGateway, 'url'>, env: Pick<DemoEnvironment, 'tokens'>, samples = sampleSubmissions(), timeoutMs = 60_000): Promise<SubmissionResult[]> {
  const started = Date.now();
  const results: SubmissionResult[] = [];
  for (const s of samples) {
    const r = await submit(gw.url, env.tokens[s.tenant], s.xml, s.operation);
    const err = r.body.error as { code?: string; ruleId?: string } | undefined;
    const routing = r.body.routing as { ruleId?: string } | undefined;
    results.push({
      label: s.label,
      tenant: s.tenant,
      httpStatus: r.status,
      status: err ? 'refused' : String(r.body.status),
      ...(typeof r.body.documentId === 'string' ? { documentId: r.body.documentId } : {}),
      ...(typeof r.body.controller === 'string' ? { controller: r.body.controller } : {}),
      ...(routing?.ruleId ? { ruleId: routing.ruleId } : err?.ruleId ? { ruleId: err.ruleId } : {}),
      ...(err?.code ? { code: err.code } : {}),
    });
  }
  while (Date.now() - started < timeoutMs) {
    const open = results.filter((r) => r.documentId && !FINAL.has(r.status));
    if (open.length === 0) break;
    for (const r of open) {
      const st = await statusOf(gw.url, env.tokens[r.tenant as keyof DemoEnvironment['tokens']], r.documentId!);
      r.status = String(st.status);
      r.attempts = Number(st.attempts ?? 0);
      if (typeof st.code === 'string' && st.code) r.code = st.code;
      if (FINAL.has(r.status)) r.millis = Date.parse(String(st.updatedAt)) - Date.parse(String(st.acceptedAt));
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return results;
}

export function summaryTable(results: SubmissionResult[]): string {
  const rows = results.map((r) => [r.tenant, r.label, r.controller ? orgName(r.controller) : '-', r.ruleId ?? '-', r.status, r.code ?? '', r.attempts !== undefined ? String(r.attempts) : '-', r.millis !== undefined ? `${r.millis} ms` : '-']);
  const head = ['tenant', 'document', 'controller (registry)', 'rule', 'status', 'code', 'sends', 'accepted→final'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function orgName(oid: string): string {
  return [DEMO.region, DEMO.hoiva, DEMO.perhe].find((o) => o.oid === oid)?.name ?? oid;
}

async function portOrFree(preferred: number): Promise<number> {
  if (preferred === 0) return 0;
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => void freePort().then(resolve));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}

export async function runDemo(args: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '8080' }, once: { type: 'boolean', default: false }, dir: { type: 'string', default: 'var/demo' } }, strict: true });
  const dir = path.resolve(values.dir!);
  // Refusals are in the summary table; the log shows only what needs attention (KGW_LOG_LEVEL for more).
  const logger: Logger = createLogger({ level: process.env.KGW_LOG_LEVEL ?? 'error' });
  out.stdout(`kanta-gateway demo: starting redis-server, test PKI, Kanta archive double and gateway under ${dir}\n`);
  let env: DemoEnvironment;
  try {
    env = await buildDemoEnvironment({ dir, port: await portOrFree(Number(values.port)), doubleStateDir: path.join(dir, 'kanta-double') });
  } catch (err) {
    out.stderr(`kanta-gateway demo: ${(err as Error).message}\n`);
    return 1;
  }
  let gw: RunningGateway;
  try {
    gw = await startGateway({ configFile: env.configFile, logger, env: { ...process.env, KGW_CLIENT_KEY_SECRET: process.env.KGW_CLIENT_KEY_SECRET ?? randomBytes(32).toString('hex') }, reloadOnSighup: true });
  } catch (err) {
    out.stderr(`kanta-gateway demo: gateway did not start: ${(err as Error).message}\n`);
    await env.stop();
    return 1;
  }
  let exit = 0;
  try {
    const results = await runSamples(gw, env);
    out.stdout(`\n${summaryTable(results)}\n\n`);
    const archived = results.filter((r) => r.status === 'archived').length;
    const refused = results.filter((r) => r.status === 'refused').length;
    const pending = results.filter((r) => r.documentId && !FINAL.has(r.status)).length;
    const inspect = env.double.inspect();
    const ours = new Set(results.map((r) => r.documentId).filter(Boolean));
    const inDouble = inspect.archived.filter((a) => ours.has(a.documentId)).length;
    out.stdout(`${archived} archived, ${refused} refused at intake with a coded error, ${pending} still pending; the Kanta double verified and holds ${inDouble} of them (${inspect.archived.length} in its archive in all), ${inspect.duplicates} identical resends.\n`);
    if (pending > 0 || archived !== results.length - refused) exit = 1;
    out.stdout(`
Gateway        ${gw.url}   (metrics ${gw.url}/metrics, readiness ${gw.url}/readyz)
Kanta double   ${env.double.url}   (inspect ${env.double.adminUrl}/inspect)
Redis          ${env.redis.url}   (data in ${path.join(dir, 'redis')})
Config         ${env.configFile}
Tokens         region ${env.tokens.region}
               hoiva  ${env.tokens.hoiva}
               perhe  ${env.tokens.perhe}
               ops    ${env.tokens.ops}
Try            curl -s -H "authorization: Bearer ${env.tokens.ops}" ${gw.url}/v1/ops/queues
`);
    if (!values.once) {
      out.stdout('Running; Ctrl-C stops the gateway, the double and redis-server.\n');
      const { untilSignal } = await import('./cli.ts');
      await untilSignal();
    }
  } catch (err) {
    out.stderr(`kanta-gateway demo: ${(err as Error).message}\n`);
    exit = 1;
  } finally {
    await gw.close();
    await env.stop();
    out.stdout('stopped.\n');
  }
  return exit;
}
