// The demo's world, which is also the fixture of the end-to-end and process tests: synthetic
// organisations (one welfare region, one private provider producing services for it under a
// registry-use right, one private provider's own services), a test PKI, the Kanta archive double
// over mutual TLS configured to know them, a real redis-server, and the sample gateway.yaml.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startKantaDouble, type KantaDouble, type KantaDoubleOptions } from '../../adapters/kanta-double/server.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { sha256Hex } from '../auth.ts';

export const DEMO = {
  region: { oid: '1.2.246.10.11111111.10.0', name: 'Esimerkin hyvinvointialue', unit: '1.2.246.10.11111111.10.1', unitName: 'Lapsiperheiden sosiaalityö' },
  hoiva: { oid: '1.2.246.10.22222222.10.0', name: 'Hoivapalvelu Esimerkki Oy', unit: '1.2.246.10.22222222.10.1', unitName: 'Perhetyön yksikkö' },
  perhe: { oid: '1.2.246.10.33333333.10.0', name: 'Perhepalvelu Oy', unit: '1.2.246.10.33333333.10.1', unitName: 'Perheneuvola' },
  operator: { oid: '1.2.246.10.99999999.10.0', name: 'Gateway-operaattori (Kanta-välittäjä)' },
  accessPoint: 'ap-demo',
  serviceTask: '24',
  // Kanta-native intake (issue 12): the region's certified client system, its TLS client certificate and device id.
  certifiedSystem: { id: 'region-certified-system', deviceId: '1.2.246.10.11111111.10.40', kantaReceiverId: '1.2.246.556.18007.2' },
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
  /** A demo PKI made earlier by createDemoPki (tests share one: making it takes seconds); default a new one under dir/pki. */
  pki?: TestPkiManifest;
  /** Let the double keep its last N requests in memory (tests that read what the gateway framed). */
  doubleKeepMessages?: number;
}

export const DEMO_ORGS = [DEMO.region, DEMO.hoiva, DEMO.perhe];

/** The test PKI of the demo: a CA, a system-signature certificate per organisation, TLS certificates. */
export async function createDemoPki(dir: string): Promise<TestPkiManifest> {
  rmSync(dir, { recursive: true, force: true });
  return initTestPki(dir, {
    organisations: DEMO_ORGS.map((o) => ({ oid: o.oid, name: o.name })),
    // The second TLS client is the region's certified client system calling the Kanta-native endpoint (issue 12).
    accessPoints: [{ id: DEMO.accessPoint, senderId: DEMO.operator.oid }, { id: DEMO.certifiedSystem.id, senderId: DEMO.certifiedSystem.deviceId }],
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
  // Kanta-native intake (issue 12): the SOAP endpoint over mutual TLS; the region's certified system is known by its certificate.
  const certified = pki.tlsClients[DEMO.certifiedSystem.id];
  if (certified) {
    const cert = new X509Certificate(readFileSync(certified.certFile));
    cfg.gateway = { ...cfg.gateway, kantaNative: { host: '127.0.0.1', port: 0, tls: { certFile: pki.tlsServer.certFile, keyFile: pki.tlsServer.keyFile, clientCaFile: pki.ca.certFile }, holdSeconds: 20 } };
    const region = cfg.tenants.find((t) => t.id === 'region')!;
    region.credentials = { ...region.credentials, tlsClients: [{ subject: cert.subject, issuer: cert.issuer }] };
  }
  args.override?.(cfg);
  const configFile = path.join(args.dir, 'gateway.yaml');
  writeFileSync(configFile, `# Generated by kanta-gateway demo: synthetic organisations, test certificates only.\n${stringify(cfg)}`);
  return configFile;
}

/** Starts Redis, PKI and the Kanta double (in this process) and writes the sample gateway configuration. */
export async function buildDemoEnvironment(opts: DemoEnvironmentOptions): Promise<DemoEnvironment> {
  mkdirSync(opts.dir, { recursive: true });
  const pki = opts.pki ?? (await createDemoPki(path.join(opts.dir, 'pki')));
  const redis = opts.redis ?? (await startLocalRedis({ dir: path.join(opts.dir, 'redis'), appendOnly: true }));
  let double: KantaDouble;
  try {
    double = await startKantaDouble({ ...demoDoubleOptions(pki, opts.doubleStateDir), ...(opts.doubleFaults ? { faults: opts.doubleFaults } : {}), ...(opts.doubleKeepMessages ? { keepMessages: opts.doubleKeepMessages } : {}) });
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
