// A world of real processes for the queue tests: redis-server, the gateway (`kanta-gateway serve`)
// and the Kanta double (`kanta-gateway kanta-double`) each in its own process, so a test can kill -9
// the gateway or restart Redis in the middle of a load. One world per describe block; the suites live
// in test/queues/queue-behaviour/, one property per file so that mocha --parallel can spread them.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { submit } from '../../gateway/client/gateway-client.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { sharedDemoPki } from './demo-pki.ts';
import { startDoubleProcess, startGatewayProcess, writeGatewayConfig, type DoubleProcess, type GatewayConfigFile, type GatewayProcess } from './processes.ts';

export const hetu = makeHetu(1, 2, 1990, 903);

export function ownDoc(tenant: 'perhe' | 'region', documentId = newDocumentId(tenant === 'perhe' ? DEMO.perhe.oid : DEMO.region.oid)): { documentId: string; xml: string } {
  const org = tenant === 'perhe' ? DEMO.perhe : DEMO.region;
  return { documentId, xml: makeSampleCda({ documentId, custodian: org.oid, serviceUnit: org.unit, hetu, functionCode: tenant === 'perhe' ? '21' : '24' }) };
}

/** Submits with bounded concurrency; a 503 (Redis away) is retried like a well-behaved client would. */
export async function submitAll(url: string, token: string, docs: Array<{ xml: string; operation?: string }>, concurrency = 16): Promise<number[]> {
  const statuses: number[] = new Array(docs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < docs.length) {
        const i = next++;
        for (;;) {
          const r = await submit(url, token, docs[i]!.xml, docs[i]!.operation).catch(() => ({ status: 0, body: {} }));
          if (r.status !== 503 && r.status !== 0) {
            statuses[i] = r.status;
            break;
          }
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    }),
  );
  return statuses;
}

export async function ops(w: World, method: 'GET' | 'POST', p: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${w.gateway.url}${p}`, { method, headers: { authorization: `Bearer ${w.cfg.tokens.ops}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
  if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status}`);
  return (await r.json()) as Record<string, unknown>;
}

export async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface World {
  dir: string;
  redis: LocalRedis;
  pki: TestPkiManifest;
  double: DoubleProcess;
  cfg: GatewayConfigFile;
  gateway: GatewayProcess;
}

export async function startWorld(name: string, override?: (c: ConfigInput) => void): Promise<World> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kgw-${name}-`));
  const redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true });
  const pki = await sharedDemoPki();
  const double = await startDoubleProcess(pki, path.join(dir, 'double'), { stateDir: path.join(dir, 'double-state') });
  const cfg = await writeGatewayConfig(dir, pki, redis.url, double.url, override);
  const gateway = await startGatewayProcess(cfg.configFile, cfg.port);
  return { dir, redis, pki, double, cfg, gateway };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.gateway.kill();
  await w.double.kill();
  await w.redis.stop();
}
