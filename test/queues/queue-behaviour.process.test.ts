// Queue guarantees proven with real processes: redis-server, the gateway (`kanta-gateway serve`) and
// the Kanta double (`kanta-gateway kanta-double`) each in its own process, so a test can kill -9 the
// gateway or restart Redis in the middle of a load.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { startDoubleProcess, startGatewayProcess, writeGatewayConfig, type DoubleProcess, type GatewayConfigFile, type GatewayProcess } from '../helpers/processes.ts';

const hetu = makeHetu(1, 2, 1990, 903);

function ownDoc(tenant: 'perhe' | 'region', documentId = newDocumentId(tenant === 'perhe' ? DEMO.perhe.oid : DEMO.region.oid)): { documentId: string; xml: string } {
  const org = tenant === 'perhe' ? DEMO.perhe : DEMO.region;
  return { documentId, xml: makeSampleCda({ documentId, custodian: org.oid, serviceUnit: org.unit, hetu, functionCode: tenant === 'perhe' ? '21' : '24' }) };
}

/** Submits with bounded concurrency; a 503 (Redis away) is retried like a well-behaved client would. */
async function submitAll(url: string, token: string, docs: Array<{ xml: string; operation?: string }>, concurrency = 16): Promise<number[]> {
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

async function ops(w: World, method: 'GET' | 'POST', p: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${w.gateway.url}${p}`, { method, headers: { authorization: `Bearer ${w.cfg.tokens.ops}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
  if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status}`);
  return (await r.json()) as Record<string, unknown>;
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface World {
  dir: string;
  redis: LocalRedis;
  pki: TestPkiManifest;
  double: DoubleProcess;
  cfg: GatewayConfigFile;
  gateway: GatewayProcess;
}

async function startWorld(name: string, override?: (c: ConfigInput) => void): Promise<World> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kgw-${name}-`));
  const redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true });
  const pki = await sharedDemoPki();
  const double = await startDoubleProcess(pki, path.join(dir, 'double'), { stateDir: path.join(dir, 'double-state') });
  const cfg = await writeGatewayConfig(dir, pki, redis.url, double.url, override);
  const gateway = await startGatewayProcess(cfg.configFile, cfg.port);
  return { dir, redis, pki, double, cfg, gateway };
}

async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.gateway.kill();
  await w.double.kill();
  await w.redis.stop();
}

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('per-set ordering', () => {
    let w: World;
    before(async () => {
      w = await startWorld('order', (c) => void (c.queues = { ...c.queues, laneConcurrency: 16, batch: { size: 16, waitMs: 5 } }));
    });
    after(() => stopWorld(w));

    it('archives versions 1…5 of one set in order under lane concurrency 16', async () => {
      const ids = Array.from({ length: 5 }, () => newDocumentId(DEMO.perhe.oid));
      const setId = ids[0]!;
      const docs = ids.map((id, i) => ({
        operation: i === 0 ? 'archive' : 'version',
        xml: makeSampleCda({ documentId: id, setId, versionNumber: i + 1, ...(i > 0 ? { parent: { id: ids[i - 1]!, setId, versionNumber: i } } : {}), custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }),
      }));
      // Sent back to back: every version is queued before its parent is archived.
      for (const d of docs) expect((await submit(w.gateway.url, w.cfg.tokens.perhe, d.xml, d.operation)).status).to.equal(202);
      await waitUntil(async () => (await w.double.inspect()).archived.filter((a) => a.setId === setId).length === 5, 60_000, 'five versions archived');
      const archived = (await w.double.inspect()).archived.filter((a) => a.setId === setId).sort((a, b) => Date.parse(a.archivedAt) - Date.parse(b.archivedAt));
      expect(archived.map((a) => a.versionNumber)).to.deep.equal([1, 2, 3, 4, 5]);
      expect((await w.double.inspect()).rejectionsByCode).to.deep.equal({});
    });
  });

  describe('fairness between tenants', () => {
    // Tenant A's whole backlog is queued (its intake paused while it is submitted) before B's one
    // document arrives, so every A document is ahead of B's. 500 documents are 15 lane high-water
    // marks: a B document that waited behind A's queue would see far more than half of them archived.
    const BACKLOG = 500;
    let w: World;
    before(async () => {
      w = await startWorld('fair', (c) => void (c.queues = { ...c.queues, laneHighWater: 32 }));
    });
    after(() => stopWorld(w));

    it("archives tenant B's one document before tenant A's 500-document backlog is half done", async () => {
      expect((await ops(w, 'POST', '/v1/ops/tenants/region/pause')).state).to.equal('paused');
      const backlog = Array.from({ length: BACKLOG }, () => ownDoc('region'));
      const statuses = await submitAll(w.gateway.url, w.cfg.tokens.region, backlog, 24);
      expect(statuses.every((s) => s === 202)).to.equal(true);
      expect((await w.double.inspect()).archived, 'nothing of A sent while its intake is paused').to.have.length(0);
      expect((await ops(w, 'POST', '/v1/ops/tenants/region/resume')).state).to.equal('running');
      const b = ownDoc('perhe');
      expect((await submit(w.gateway.url, w.cfg.tokens.perhe, b.xml)).status).to.equal(202);
      await waitUntil(async () => (await statusOf(w.gateway.url, w.cfg.tokens.perhe, b.documentId)).status === 'archived', 120_000, "B's document archived");
      const archivedA = (await w.double.inspect()).archived.filter((a) => a.documentId !== b.documentId).length;
      expect(archivedA, `A documents archived when B's was`).to.be.below(BACKLOG / 2);
    });
  });

  describe('crash during sending', () => {
    let w: World;
    before(async () => {
      // A short job lock: the documents the killed process held are picked up again within about
      // twice this (config/schema.ts lockDurationMs), instead of waiting out the 15 s default.
      w = await startWorld('crash', (c) => void (c.queues = { ...c.queues, lockDurationMs: 5_000 }));
    });
    after(() => stopWorld(w));

    it('after kill -9 and a restart, every document is archived exactly once', async () => {
      const docs = Array.from({ length: 300 }, () => ownDoc('perhe'));
      const statuses = await submitAll(w.gateway.url, w.cfg.tokens.perhe, docs);
      expect(statuses.every((s) => s === 202)).to.equal(true);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 40, 60_000, 'sending under way');
      await w.gateway.kill('SIGKILL');
      const atCrash = (await w.double.inspect()).archived.length;
      expect(atCrash).to.be.below(300, 'the crash must happen mid-load');
      w.gateway = await startGatewayProcess(w.cfg.configFile, w.cfg.port);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 300, 120_000, 'all archived after restart');
      const inspect = await w.double.inspect();
      const ids = inspect.archived.map((a) => a.documentId);
      expect(new Set(ids).size).to.equal(ids.length, 'no document stored twice');
      expect(new Set(ids)).to.deep.equal(new Set(docs.map((d) => d.documentId)));
      // A resend after the crash may meet a document the archive already has: it is answered
      // ALREADY_ARCHIVED and stored once. Only documents in flight at the crash can be resent.
      expect(inspect.duplicates).to.be.at.most(64);
      for (const d of docs.slice(0, 20)) expect((await statusOf(w.gateway.url, w.cfg.tokens.perhe, d.documentId)).status).to.equal('archived');
    });
  });

  describe('Redis restart during a load', () => {
    let w: World;
    before(async () => {
      // A short sweep interval: documents whose enqueue was lost with a Redis reply are found sooner.
      w = await startWorld('redis', (c) => void (c.queues = { ...c.queues, sweepIntervalMs: 5_000, lockDurationMs: 5_000 }));
    });
    after(() => stopWorld(w));

    it('loses nothing that was accepted (AOF), and drains after Redis is back', async () => {
      const docs = Array.from({ length: 200 }, () => ownDoc('perhe'));
      const load = submitAll(w.gateway.url, w.cfg.tokens.perhe, docs, 8);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 20, 60_000, 'load under way');
      const { port } = w.redis;
      await w.redis.stop(); // SIGTERM: Redis flushes its AOF and exits
      await new Promise((r) => setTimeout(r, 1_500));
      w.redis = await startLocalRedis({ dir: path.join(w.dir, 'redis'), appendOnly: true, port });
      const statuses = await load;
      expect(statuses.every((s) => s === 202 || s === 200)).to.equal(true);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 200, 120_000, 'all archived after the Redis restart');
      const ids = (await w.double.inspect()).archived.map((a) => a.documentId);
      expect(new Set(ids)).to.deep.equal(new Set(docs.map((d) => d.documentId)));
    });
  });

  describe('Kanta service break', () => {
    // The window is configurable (KGW_TEST_MAINTENANCE_SECONDS; a real break lasts hours); a few
    // seconds already make the difference between a breaker and none plain, see the bound below.
    const windowSeconds = Number(process.env.KGW_TEST_MAINTENANCE_SECONDS ?? 6);
    const openMs = 1_000;
    const retry = { baseDelayMs: 100, maxDelayMs: 500 };
    const failureThreshold = 3;
    let w: World;
    before(async () => {
      w = await startWorld('maint', (c) => void (c.queues = { ...c.queues, circuitBreaker: { failureThreshold, openMs }, retry }));
    });
    after(() => stopWorld(w));

    it(`opens the circuit in a ${windowSeconds} s maintenance window, burns no attempts while open, and drains after`, async () => {
      await w.double.setFaults({ maintenanceSeconds: windowSeconds });
      const docs = Array.from({ length: 40 }, () => ownDoc('perhe'));
      expect((await submitAll(w.gateway.url, w.cfg.tokens.perhe, docs)).every((s) => s === 202)).to.equal(true);
      await waitUntil(
        async () => {
          const r = await fetch(`${w.gateway.url}/v1/ops/queues`, { headers: { authorization: `Bearer ${w.cfg.tokens.ops}` } });
          return ((await r.json()) as { circuits: Record<string, string> }).circuits[DEMO.accessPoint] === 'open';
        },
        20_000,
        'circuit open',
      );
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 40, windowSeconds * 1_000 + 90_000, 'drained after the window');
      let attempts = 0;
      for (const d of docs) attempts += Number((await statusOf(w.gateway.url, w.cfg.tokens.perhe, d.documentId)).attempts);
      // Without the breaker, 40 documents retrying every ≤ 0.5 s through the window would make about
      // 40 × 2 × windowSeconds sends (480 for 6 s). With it: the sends that opened it, one probe per
      // open period, one success each, and slack for sends already in flight.
      const probes = Math.ceil((windowSeconds * 1_000) / openMs) + 1;
      const bound = 40 + failureThreshold + probes + 16;
      expect(bound, 'the bound must stay well below what a gateway without a breaker would send').to.be.below((40 * windowSeconds * 1_000) / retry.maxDelayMs / 2);
      expect(attempts).to.be.at.most(bound);
      expect((await w.double.inspect()).duplicates).to.equal(0);
    });
  });
});
