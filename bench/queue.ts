// Queue-layer benchmark (npm run bench:queue): documents per second through intake admission, the
// send lane and the document state machine on a real redis-server, with signing and sending stubbed
// out (only here), and Redis bytes per queued document against the document's own size.
// Targets (issue #7): ≥ 2 000 documents/s on 2 cores; Redis ≤ 1.5× the document size per queued document.
import { testDecision, testReceipt } from '../test/helpers/record-fixtures.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { makeSampleCda } from '../adapters/cda/sample-document.ts';
import { validateConfig } from '../config/load.ts';
import type { Config, ConfigInput } from '../config/schema.ts';
import { DocumentStore } from '../queues/document-store.ts';
import { startLocalRedis } from '../queues/local-redis-server.ts';
import { Pipeline } from '../queues/pipeline.ts';
import { buildRoutingIndex } from '../gateway/routing/index-build.ts';
import type { DocumentSender, DocumentSigner } from '../queues/ports.ts';

const N = Number(process.env.BENCH_DOCS ?? 5000);
const TENANTS = 4;
const ORG = (i: number) => `1.2.246.10.5000000${i}.10.0`;
const UNIT = (i: number) => `1.2.246.10.5000000${i}.10.1`;

const raw: ConfigInput = {
  redis: { url: 'redis://placeholder', keyPrefix: 'bench' },
  kanta: { accessPoints: [{ id: 'ap', url: 'https://127.0.0.1:1/kanta', senderId: '1.2.246.10.9.10.0' }] },
  queues: { batch: { size: 32, waitMs: 2 }, laneConcurrency: 32, laneHighWater: 512, removeOnComplete: { age: 60, count: 100 } },
  organisations: Array.from({ length: TENANTS }, (_, i) => ({ oid: ORG(i), name: `Org ${i}`, kind: 'private-provider' as const })),
  serviceUnits: Array.from({ length: TENANTS }, (_, i) => ({ oid: UNIT(i), organisation: ORG(i) })),
  signingIdentities: [{ id: 'sig', certificates: [{ certFile: '/dev/null', keyFile: '/dev/null' }] }],
  tenants: Array.from({ length: TENANTS }, (_, i) => ({
    id: `t${i}`,
    name: `Tenant ${i}`,
    credentials: { apiTokenSha256: ['0'.repeat(64)] },
    actsFor: [{ organisation: ORG(i), joining: { model: 'direct' as const } }],
    accessPoint: 'ap',
    signingIdentity: 'sig',
  })),
};

const signer: DocumentSigner = { sign: async (_id, xml) => ({ signedXml: xml, receipt: testReceipt() }) };
const sender: DocumentSender = { send: async () => ({ action: 'archived', messageId: '1', transportFailure: false, durationMs: 0 }) };

function docs(count: number): Array<{ tenant: number; id: string; xml: Buffer }> {
  const hetu = makeHetu(1, 2, 1990, 903);
  return Array.from({ length: count }, (_, k) => {
    const t = k % TENANTS;
    const id = `${ORG(t)}.95.${k + 1}`;
    return { tenant: t, id, xml: Buffer.from(makeSampleCda({ documentId: id, custodian: ORG(t), serviceUnit: UNIT(t), hetu, note: 'x'.repeat(700) })) };
  });
}

async function store(st: DocumentStore, d: { tenant: number; id: string; xml: Buffer }) {
  const r = await st.create(
    {
      tenant: `t${d.tenant}`,
      documentId: d.id,
      setId: d.id,
      versionNumber: 1,
      operation: 'archive',
      documentGroup: '5',
      controller: ORG(d.tenant),
      accessPoint: 'ap',
      signingIdentity: 'sig',
      usage: 'ownUse',
      writerOrganisation: ORG(d.tenant),
      ruleId: 'R-OWN-REGISTRY',
      decision: testDecision({ controller: ORG(d.tenant), writerOrganisation: ORG(d.tenant) }),
      dependsOn: [],
    },
    d.xml,
  );
  if (!r.created) throw new Error('duplicate');
  return r.record;
}

/** The lanes the routing index derives from the configuration, computed once like gateway/main.ts does. */
const laneCache = new WeakMap<Config, ReturnType<typeof buildRoutingIndex>['lanes']>();
function lanesOf(config: Config): ReturnType<typeof buildRoutingIndex>['lanes'] {
  let lanes = laneCache.get(config);
  if (!lanes) laneCache.set(config, (lanes = buildRoutingIndex(config, 'bench').lanes));
  return lanes;
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function throughput(redis: Redis, st: DocumentStore, config: Config, all: Array<{ tenant: number; id: string; xml: Buffer }>): Promise<{ rate: number; intake: number; cpu: number }> {
  const pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix: 'bench', store: st, signer, sender, config: () => config, lanes: () => lanesOf(config) });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(process.env.BENCH_CLIENTS ?? 32) }, async () => {
      while (next < all.length) {
        const d = all[next++]!;
        // As intake does: the record just stored and its bytes, so a lane with room runs it directly.
        await pipeline.enqueue(await store(st, d), d.xml);
      }
    }),
  );
  const tEnqueued = performance.now();
  while ((await st.openCount()) > 0) await new Promise((r) => setTimeout(r, 20));
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  await pipeline.close();
  return { rate: all.length / ((t1 - t0) / 1000), intake: all.length / ((tEnqueued - t0) / 1000), cpu: ((cpu.user + cpu.system) / 1000 / (t1 - t0)) * 100 };
}

/** A second gateway process that only runs queue workers (this same file in the worker role). */
async function startWorkerProcess(redisUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_ROLE: 'worker', BENCH_REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('worker ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  return child;
}

async function runWorker(url: string): Promise<void> {
  const cfg = validateConfig({ ...raw, redis: { ...raw.redis!, url } } as Record<string, unknown>, 'bench', '/');
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix: 'bench', store: new DocumentStore(redis, 'bench'), signer, sender, config: () => cfg.config, lanes: () => lanesOf(cfg.config) });
  process.stdout.write('worker ready\n');
  await once(process, 'SIGTERM');
  await pipeline.close(2_000);
  await redis.quit();
}

async function main(): Promise<void> {
  const server = await startLocalRedis();
  const cfg = validateConfig({ ...raw, redis: { ...raw.redis!, url: server.url } } as Record<string, unknown>, 'bench', '/');
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const st = new DocumentStore(redis, 'bench');
  try {
    // 1. Memory per queued document: stored and enqueued, no workers running.
    const memDocs = docs(2000);
    const producer = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix: 'bench', store: st, signer, sender, config: () => cfg.config, lanes: () => lanesOf(cfg.config), runWorkers: false });
    const before = await usedMemory(redis);
    for (const d of memDocs) await producer.enqueue(await store(st, d));
    const after = await usedMemory(redis);
    if (process.env.BENCH_BREAKDOWN) {
      const sizes = new Map<string, number>();
      for (const key of await redis.keys('*')) {
        const kind = key.replace(/[0-9.]{6,}/g, 'N').replace(/t[0-9]__/, 't__').replace(/[0-9a-f-]{36}/, 'UUID').replace(/:t\d:/, ':T:');
        sizes.set(kind, (sizes.get(kind) ?? 0) + Number(await redis.call('MEMORY', 'USAGE', key)));
      }
      for (const [k, v] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${k}: ${(v / memDocs.length).toFixed(0)} B/doc`);
    }
    const perDoc = (after - before) / memDocs.length;
    const docSize = memDocs.reduce((a, d) => a + d.xml.length, 0) / memDocs.length;
    await producer.close();
    await redis.flushall();

    // 2. Throughput: N documents from 4 tenants through admission, lanes and the state machine, first
    // with one gateway process, then with a second process sharing the lane work (a deployment runs
    // several processes on one Redis; on 2 cores the first process's event loop is the limit).
    console.log(`queue layer, ${N} documents of ${Math.round(docSize)} bytes, ${TENANTS} tenants, signing and sending stubbed`);
    for (const processes of [1, 2]) {
      await redis.flushall();
      const helper = processes === 2 ? await startWorkerProcess(server.url) : undefined;
      try {
        const r = await throughput(redis, st, cfg.config, docs(N));
        const tag = processes === 1 ? 'one process ' : 'two processes';
        console.log(`  ${tag}: intake ${r.intake.toFixed(0)}/s, accepted → archived ${r.rate.toFixed(0)} documents/s (target ≥ 2000: ${r.rate >= 2000 ? 'met' : 'NOT met'}, ratio ${(r.rate / 2000).toFixed(2)}); this process used ${r.cpu.toFixed(0)}% of a core`);
      } finally {
        helper?.kill('SIGTERM');
        if (helper) await once(helper, 'exit');
      }
    }
    console.log(`  Redis per queued document: ${perDoc.toFixed(0)} bytes = ${(perDoc / docSize).toFixed(2)}× the document   (target ≤ 1.5×: ${perDoc / docSize <= 1.5 ? 'met' : 'NOT met'})`);
  } finally {
    await redis.quit();
    await server.stop();
  }
}

if (process.env.BENCH_ROLE === 'worker') await runWorker(process.env.BENCH_REDIS_URL!);
else await main();
