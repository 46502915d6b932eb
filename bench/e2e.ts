// End to end at the signing ceiling (npm run bench:e2e; BENCH_QUICK=1 or --quick for a 1–2 minute run).
// In one run, on this machine: a real redis-server; a fast archive sink in its own process (mutual TLS
// with the test PKI, answers AA to the request's message id, checks nothing: bench/e2e/fast-sink.ts);
// the baseline, a bare loop in its own process (xml-crypto signing in the Kanta shape on worker threads
// on all cores, the frame, POST over keep-alive mTLS with the gateway's concurrency: bench/e2e/baseline.ts);
// the gateway (`kanta-gateway serve` with its default configuration) fed by tenants POSTing the same
// documents, docs/s = N ÷ time from the first POST to the last document archived.
// Prints a table and writes JSON under bench/results/. CPU is per whole process (all threads), from /proc.
// Figures are noisy on a shared machine: the header shows nproc and the load average.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { readDocumentMetadata } from '../adapters/cda/read-metadata.ts';
import { makeSampleCda } from '../adapters/cda/sample-document.ts';
import { parseXmlSafely } from '../adapters/xml/safe-parse.ts';
import { loadCredential } from '../certs/credential.ts';
import { signSystem } from '../certs/system-signer.ts';
import { initTestPki, type TestPkiManifest } from '../certs/test-pki.ts';
import type { ConfigInput } from '../config/schema.ts';
import { DEMO, type DemoTokens } from '../gateway/demo/demo-environment.ts';
import { DocumentStore } from '../queues/document-store.ts';
import { startLocalRedis, type LocalRedis } from '../queues/local-redis-server.ts';
import { startDoubleProcess, writeGatewayConfig } from '../test/helpers/processes.ts';
import { spawnGateway, type GatewayChild } from './e2e/gateway-process.ts';
import type { BaselineJob } from './e2e/baseline.ts';
import { cpuMeter, quantile, spread, type Spread } from './e2e/proc-stats.ts';
import { memoryByKeyClass, memoryGrowth, monitorCommands, type MonitorResult } from './e2e/redis-monitor.ts';

const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const P = QUICK
  ? { docs: 240, reps: 1, bits: [2048] as const, latencySeconds: 4, backlog: 240, twoProcessDocs: 240, doubleDocs: 60 }
  : { docs: 1000, reps: 3, bits: [2048, 4096] as const, latencySeconds: 10, backlog: 1000, twoProcessDocs: 1200, doubleDocs: 300 };
const DOCS = Number(process.env.BENCH_DOCS ?? P.docs);
/** Tenant connections POSTing at once (closed loop) in the throughput runs. */
const CLIENTS = 16;
// About 5 kB per document (the issue's target size).
const NOTE = 'Käyntikirjaus, synteettinen sisältö. '.repeat(16);
const ORGS = [
  { tenant: 'region' as const, ...DEMO.region, identity: 'sign-region' },
  { tenant: 'hoiva' as const, ...DEMO.hoiva, identity: 'sign-hoiva' },
  { tenant: 'perhe' as const, ...DEMO.perhe, identity: 'sign-perhe' },
];
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'results');
const PREFIX = 'kgw';

interface Doc {
  tenant: keyof DemoTokens;
  org: (typeof ORGS)[number];
  id: string;
  xml: string;
}

let serial = 0;
const RUN = Math.floor(Date.now() / 1000);
/** Distinct documents and clients (one client per document: no per-client ordering couples them). */
function makeDocs(n: number, _purpose: string): Doc[] {
  return Array.from({ length: n }, (_, k) => {
    const org = ORGS[k % ORGS.length]!;
    const s = serial++;
    const id = `${org.oid}.95.${RUN}.${s + 1}`;
    const hetu = makeHetu(1 + (s % 28), 1 + (Math.floor(s / 28) % 12), 1950 + (Math.floor(s / 336) % 60), 900 + (Math.floor(s / 20160) % 100));
    return { tenant: org.tenant, org, id, xml: makeSampleCda({ documentId: id, custodian: org.oid, custodianName: org.name, serviceUnit: org.unit, serviceUnitName: org.unitName, hetu, note: NOTE }) };
  });
}

async function createPki(dir: string, bits: 2048 | 4096): Promise<TestPkiManifest> {
  rmSync(dir, { recursive: true, force: true });
  return initTestPki(dir, { bits, organisations: ORGS.map((o) => ({ oid: o.oid, name: o.name })), accessPoints: [{ id: DEMO.accessPoint, senderId: DEMO.operator.oid }] });
}

// ---------------------------------------------------------------- the sink
interface Sink {
  child: ChildProcess;
  url: string;
  count(): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startSink(pki: TestPkiManifest): Promise<Sink> {
  const child = fork(path.join(HERE, 'e2e', 'fast-sink.ts'), ['--cert', pki.tlsServer.certFile, '--key', pki.tlsServer.keyFile, '--ca', pki.ca.certFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  const ask = (type: string) =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { received: number }) => resolve(m.received));
      child.send({ type });
    });
  return {
    child,
    url: `https://127.0.0.1:${ready.port}/kanta/sh`,
    count: () => ask('count'),
    reset: async () => void (await ask('reset')),
    stop: async () => {
      child.send({ type: 'stop' });
      await once(child, 'exit');
    },
  };
}

// ---------------------------------------------------------------- Redis figures
async function resetStats(redis: Redis): Promise<void> {
  await redis.config('RESETSTAT');
}

/** Commands the gateway sent since resetStats, leaving out this benchmark's own (INFO, CONFIG, its polls). */
async function commandCount(redis: Redis, ownPolls: number): Promise<{ total: number; top: Array<[string, number]> }> {
  const info = await redis.info('commandstats');
  const by: Array<[string, number]> = [];
  for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) if (m[1] !== 'info' && m[1] !== 'config') by.push([m[1]!, Number(m[2])]);
  const total = by.reduce((a, [, n]) => a + n, 0) - ownPolls;
  return { total, top: by.sort((a, b) => b[1] - a[1]) };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

// ---------------------------------------------------------------- gateway runs
interface Gateway {
  proc: GatewayChild;
  tokens: DemoTokens;
  pool: Pool;
}

async function startGateway(dir: string, pki: TestPkiManifest, redisUrl: string, kantaUrl: string, profile = false): Promise<Gateway> {
  mkdirSync(dir, { recursive: true });
  // The gateway's default configuration: the demo's sample with its queue and signer settings removed.
  const cfg = await writeGatewayConfig(dir, pki, redisUrl, kantaUrl, (c: ConfigInput) => {
    delete (c as { queues?: unknown }).queues;
    delete (c as { signer?: unknown }).signer;
  });
  // BENCH_PROFILE_GATEWAY=DIR: V8 CPU profiles of the first gateway process and its threads, written on exit.
  const profDir = profile ? process.env.BENCH_PROFILE_GATEWAY : undefined;
  const proc = await spawnGateway(cfg.configFile, cfg.port, profDir ? { profileDir: path.resolve(profDir) } : {});
  return { proc, tokens: cfg.tokens, pool: new Pool(proc.url, { connections: CLIENTS, keepAliveTimeout: 60_000 }) };
}

async function stopGateway(g: Gateway): Promise<void> {
  await g.pool.close();
  await g.proc.kill();
}

/** 503 answers the tenants retried (a tenant retries a 503), by error code; reported per phase. */
const retried = new Map<string, number>();

async function post(g: Gateway, d: Doc): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const res = await g.pool.request({ path: '/v1/documents', method: 'POST', body: d.xml, headers: { authorization: `Bearer ${g.tokens[d.tenant]}`, 'content-type': 'application/xml' } });
    const text = await res.body.text();
    if (res.statusCode === 202) return res.statusCode;
    if (res.statusCode === 503 && attempt < 20) {
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? '503';
      retried.set(code, (retried.get(code) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 20 * attempt));
      continue;
    }
    throw new Error(`intake answered ${res.statusCode} for ${d.id}: ${text.slice(0, 300)}`);
  }
}

function takeRetried(): Record<string, number> {
  const out = Object.fromEntries(retried);
  retried.clear();
  return out;
}

/** Waits until every open document is final; returns the number of SCARD polls it sent. */
async function drained(store: DocumentStore, sink: Sink, expect: number, timeoutMs = 300_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while ((await sink.count()) < expect) {
    if (Date.now() > end) throw new Error(`the sink saw ${await sink.count()} of ${expect} documents in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  let polls = 0;
  for (;;) {
    polls++;
    if ((await store.openCount()) === 0) return polls;
    if (Date.now() > end) throw new Error('documents still open after the sink saw them all');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface ThroughputRun {
  docsPerSecond: number;
  seconds: number;
  cpuMsPerDoc: Record<string, number>;
  redisCommandsPerDoc: number;
  redisTopCommands: Array<[string, number]>;
  resends: number;
  /** 503 answers retried by the tenants, by code. */
  retried503: Record<string, number>;
}

async function gatewayThroughput(gws: Gateway[], redis: Redis, store: DocumentStore, sink: Sink, docs: Doc[], pids: Record<string, number | undefined>): Promise<ThroughputRun> {
  await sink.reset();
  await resetStats(redis);
  const meter = cpuMeter(pids);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const g = gws[c % gws.length]!;
      while (next < docs.length) await post(g, docs[next++]!);
    }),
  );
  const polls = await drained(store, sink, docs.length);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  const cmds = await commandCount(redis, polls);
  const received = await sink.count();
  return {
    docsPerSecond: docs.length / seconds,
    seconds,
    cpuMsPerDoc: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / docs.length])),
    redisCommandsPerDoc: cmds.total / docs.length,
    redisTopCommands: cmds.top.map(([k, n]) => [k, Math.round((n / docs.length) * 100) / 100]),
    resends: received - docs.length,
    retried503: takeRetried(),
  };
}

/** Intake POST → 202 latency at `rate` documents/s (open loop), then waits for the documents to finish. */
async function intakeLatency(g: Gateway, store: DocumentStore, sink: Sink, docs: Doc[], rate: number): Promise<{ p50: number; p99: number; max: number; rate: number; n: number }> {
  await sink.reset();
  const times: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    docs.map(async (d, i) => {
      const at = t0 + (i * 1000) / rate;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const s = performance.now();
      await post(g, d);
      times.push(performance.now() - s);
    }),
  );
  await drained(store, sink, docs.length);
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times[times.length - 1]!, rate, n: docs.length };
}

async function heapUsed(g: Gateway): Promise<number> {
  // Right after a forced full collection (bench/e2e/gc-on-signal.mjs); the lowest of three.
  let low = Infinity;
  for (let k = 0; k < 3; k++) low = Math.min(low, await g.proc.heapAfterGc());
  return low;
}

async function ops(g: Gateway, p: string): Promise<void> {
  const res = await g.pool.request({ path: p, method: 'POST', headers: { authorization: `Bearer ${g.tokens.ops}` } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`ops ${p}: ${res.statusCode} ${text.slice(0, 200)}`);
}

/** Redis bytes and gateway heap per queued document, with every controller paused (a backlog). */
async function backlog(g: Gateway, redis: Redis, store: DocumentStore, sink: Sink, docs: Doc[]): Promise<{ redisBytesPerDoc: number; redisPerDocSize: number; heapBytesPerDoc: number; docBytes: number; n: number; byKeyClass: Array<[string, number]> }> {
  for (const o of ORGS) await ops(g, `/v1/ops/controllers/${o.oid}/pause`);
  await new Promise((r) => setTimeout(r, 300));
  const kinds0 = await memoryByKeyClass(redis, PREFIX);
  const mem0 = await usedMemory(redis);
  const heap0 = await heapUsed(g);
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < docs.length) await post(g, docs[next++]!);
  }));
  await new Promise((r) => setTimeout(r, 500));
  const mem1 = await usedMemory(redis);
  const heap1 = await heapUsed(g);
  const byKeyClass = memoryGrowth(kinds0, await memoryByKeyClass(redis, PREFIX), docs.length).map(([k, n]) => [k, Math.round(n)] as [string, number]);
  await sink.reset();
  for (const o of ORGS) await ops(g, `/v1/ops/controllers/${o.oid}/resume`);
  await drained(store, sink, docs.length);
  const docBytes = docs.reduce((a, d) => a + Buffer.byteLength(d.xml), 0) / docs.length;
  const perDoc = (mem1 - mem0) / docs.length;
  return { redisBytesPerDoc: perDoc, redisPerDocSize: perDoc / docBytes, heapBytesPerDoc: (heap1 - heap0) / docs.length, docBytes, n: docs.length, byKeyClass };
}

/** Documents in the MONITOR run (BENCH_MONITOR_DOCS; 0 leaves it out). */
const MONITOR_DOCS = Number(process.env.BENCH_MONITOR_DOCS ?? 40);
// The benchmark's own commands (drain polls, figures) are not the gateway's.
const benchOwn = (args: string[]) => /^(scard|info|config|client|monitor|flushall)$/i.test(args[0] ?? '');

async function breakdown(g: Gateway, store: DocumentStore, sink: Sink, redis: Redis, docs: Doc[]): Promise<MonitorResult> {
  await sink.reset();
  return monitorCommands(redis, PREFIX, docs.length, async () => {
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < docs.length) await post(g, docs[next++]!);
    }));
    await drained(store, sink, docs.length);
  }, benchOwn);
}

// ---------------------------------------------------------------- baseline
async function baselineRun(dir: string, pki: TestPkiManifest, configFile: string, docs: Doc[], sink: Sink, redisPid: number): Promise<{ docsPerSecond: number; cpuMsPerDoc: Record<string, number> }> {
  const creds = new Map(ORGS.map((o) => [o.identity, loadCredential(pki.signing[o.oid]!, {})]));
  const job: BaselineJob = {
    configFile,
    keys: Object.fromEntries(ORGS.map((o) => [o.identity, { keyFile: pki.signing[o.oid]!.keyFile, certFile: pki.signing[o.oid]!.certFile }])),
    inFlight: CLIENTS,
    docs: docs.map((d, k) => {
      // The layout the gateway signs: the hl7fi:signature skeleton in place, ds:Signature still to come.
      const signatureId = `sig_b${k}`;
      const skeleton = signSystem(d.xml, creds.get(d.org.identity)!, { signatureId }).signedXml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      return { key: d.org.identity, skeleton, signatureId, timestampId: `CDA-timestamp.${signatureId}`, bodyId: `OID${d.id}`, metadata: readDocumentMetadata(parseXmlSafely(d.xml)) };
    }),
  };
  const jobFile = path.join(dir, `baseline-job-${Date.now()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  await sink.reset();
  const meter = cpuMeter({ sink: sink.child.pid, redis: redisPid });
  const child = fork(path.join(HERE, 'e2e', 'baseline.ts'), [jobFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const other = meter();
  rmSync(jobFile, { force: true });
  if (code !== 0) throw new Error(`baseline exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop()!) as { ok: number; failed: number; seconds: number; mainThreadCpuMs: number };
  if (r.failed > 0) throw new Error(`baseline: ${r.failed} sends failed`);
  const timed = docs.length; // the job's timed part covers all documents (warm-up comes first, untimed)
  return { docsPerSecond: r.ok / r.seconds, cpuMsPerDoc: { baseline: r.mainThreadCpuMs / timed, ...Object.fromEntries(Object.entries(other).map(([k, v]) => [k, v / timed])) } };
}

// ---------------------------------------------------------------- report
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const sp = (s: Spread, f = f0) => (s.runs.length > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median));
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, j) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const docBytes = Buffer.byteLength(makeDocs(1, 'size')[0]!.xml);
  console.log(`bench:e2e${QUICK ? ' (quick)' : ''}: ${DOCS} documents of ${docBytes} bytes per run, ${P.reps} repetition(s), RSA ${P.bits.join(' and ')}, ${CLIENTS} tenant connections; nproc ${os.availableParallelism()}, Node ${process.version}, load average ${load()}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'kgw-bench-e2e-'));
  const redisServer: LocalRedis = await startLocalRedis();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const store = new DocumentStore(redis, PREFIX);
  const result: Record<string, unknown> = { quick: QUICK, docs: DOCS, docBytes, repetitions: P.reps, nproc: os.availableParallelism(), node: process.version, loadAverageStart: os.loadavg(), byBits: {} as Record<string, unknown> };
  let sink: Sink | undefined;
  try {
    for (const bits of P.bits) {
      const dir = path.join(work, `rsa${bits}`);
      const pki = await createPki(path.join(dir, 'pki'), bits);
      sink = await startSink(pki);
      await redis.flushall();
      const gw = await startGateway(path.join(dir, 'gw1'), pki, redisServer.url, sink.url, true);
      const configFile = path.join(dir, 'gw1', 'gateway.yaml');
      const byBits: Record<string, unknown> = {};
      try {
        // Warm-up: JIT, TLS sessions, queues created. 500 documents: with 150 the first repetition still ran
        // a third slower than the next two (V8 kept tiering up the gateway's code), which measured the
        // start of a process, not the steady state of one that runs a backfill for days.
        await gatewayThroughput([gw], redis, store, sink, makeDocs(Math.min(500, DOCS), `w${bits}`), {});
        const baseline: Array<Awaited<ReturnType<typeof baselineRun>>> = [];
        const gateway: ThroughputRun[] = [];
        for (let r = 0; r < P.reps; r++) {
          const docs = makeDocs(DOCS, `r${bits}${r}`);
          baseline.push(await baselineRun(dir, pki, configFile, docs, sink, redisServer.pid));
          gateway.push(await gatewayThroughput([gw], redis, store, sink, makeDocs(DOCS, `g${bits}${r}`), { gateway: gw.proc.child.pid, redis: redisServer.pid, sink: sink.child.pid, client: process.pid }));
          console.log(`  RSA-${bits} repetition ${r + 1}: baseline ${f0(baseline[r]!.docsPerSecond)} docs/s, gateway ${f0(gateway[r]!.docsPerSecond)} docs/s (load ${load()})`);
        }
        // Which commands each stage issues (MONITOR on a small, untimed run).
        if (bits === 2048 && MONITOR_DOCS > 0) byBits.redisBreakdown = await breakdown(gw, store, sink, redis, makeDocs(MONITOR_DOCS, 'mon'));
        const gwRate = spread(gateway.map((g) => g.docsPerSecond));
        const latency = await intakeLatency(gw, store, sink, makeDocs(Math.max(20, Math.round((gwRate.median / 2) * P.latencySeconds)), `l${bits}`), gwRate.median / 2);
        // A small backlog first: the pause, delay and resume paths run (and are compiled) before the
        // measured one, so the heap figure counts documents held, not code seen for the first time.
        await backlog(gw, redis, store, sink, makeDocs(30, `bw${bits}`));
        const queued = await backlog(gw, redis, store, sink, makeDocs(P.backlog, `b${bits}`));
        Object.assign(byBits, {
          baselineDocsPerSecond: spread(baseline.map((b) => b.docsPerSecond)),
          gatewayDocsPerSecond: gwRate,
          ratio: spread(gateway.map((g, i) => g.docsPerSecond / baseline[i]!.docsPerSecond)),
          baselineCpuMsPerDoc: spread(baseline.map((b) => Object.values(b.cpuMsPerDoc).reduce((a, x) => a + x, 0))),
          baselineProcessCpuMsPerDoc: spread(baseline.map((b) => b.cpuMsPerDoc.baseline!)),
          gatewayCpuMsPerDoc: spread(gateway.map((g) => g.cpuMsPerDoc.gateway!)),
          allProcessesCpuMsPerDoc: spread(gateway.map((g) => Object.values(g.cpuMsPerDoc).reduce((a, x) => a + x, 0))),
          cpuMsPerDocByProcess: gateway.map((g) => g.cpuMsPerDoc),
          redisCommandsPerDoc: spread(gateway.map((g) => g.redisCommandsPerDoc)),
          redisTopCommandsPerDoc: gateway[gateway.length - 1]!.redisTopCommands,
          resends: gateway.map((g) => g.resends),
          retried503: gateway.map((g) => g.retried503),
          intakeLatencyMs: latency,
          backlog: queued,
        });
        if (bits === 2048) {
          // Two gateway processes on the same Redis, tenants spread over both.
          const gw2 = await startGateway(path.join(dir, 'gw2'), pki, redisServer.url, sink.url);
          try {
            // The second process warms up alone, as the first did: two warm processes against one.
            await gatewayThroughput([gw2], redis, store, sink, makeDocs(Math.min(500, DOCS), 'w2p'), {});
            const two = await gatewayThroughput([gw, gw2], redis, store, sink, makeDocs(P.twoProcessDocs, 't2p'), { gateway: gw.proc.child.pid, gateway2: gw2.proc.child.pid });
            const perDoc = two.cpuMsPerDoc.gateway! + two.cpuMsPerDoc.gateway2!;
            byBits.twoProcesses = { docsPerSecond: two.docsPerSecond, gatewayCpuMsPerDoc: perDoc, cpuRatioToOne: perDoc / (byBits.gatewayCpuMsPerDoc as Spread).median, redisCommandsPerDoc: two.redisCommandsPerDoc, retried503: two.retried503 };
          } catch (err) {
            byBits.twoProcesses = { error: (err as Error).message.slice(0, 300) };
          } finally {
            await stopGateway(gw2);
          }
        }
      } finally {
        await stopGateway(gw);
      }
      if (bits === 2048) {
        // For reference: the same gateway against the strict Kanta double (it verifies everything).
        const double = await startDoubleProcess(pki, path.join(dir, 'double'));
        const gwd = await startGateway(path.join(dir, 'gwd'), pki, redisServer.url, double.url);
        try {
          const docs = makeDocs(P.doubleDocs, 'dbl');
          await resetStats(redis);
          const meter = cpuMeter({ gateway: gwd.proc.child.pid, double: double.child.pid });
          const t0 = performance.now();
          let next = 0;
          await Promise.all(Array.from({ length: CLIENTS }, async () => {
            while (next < docs.length) await post(gwd, docs[next++]!);
          }));
          let polls = 0;
          for (;;) {
            polls++;
            if ((await store.openCount()) === 0) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          const seconds = (performance.now() - t0) / 1000;
          const cpu = meter();
          const archived = (await double.inspect()).archived.length;
          byBits.strictDouble = { docsPerSecond: docs.length / seconds, archived, gatewayCpuMsPerDoc: cpu.gateway! / docs.length, doubleCpuMsPerDoc: cpu.double! / docs.length, redisCommandsPerDoc: (await commandCount(redis, polls)).total / docs.length };
        } catch (err) {
          byBits.strictDouble = { error: (err as Error).message.slice(0, 300) };
        } finally {
          await stopGateway(gwd);
          await double.kill();
        }
      }
      await sink.stop();
      sink = undefined;
      (result.byBits as Record<string, unknown>)[`rsa${bits}`] = byBits;
    }
  } finally {
    await sink?.stop().catch(() => undefined);
    await redis.quit();
    await redisServer.stop();
    rmSync(work, { recursive: true, force: true });
  }
  result.loadAverageEnd = os.loadavg();
  result.seconds = (Date.now() - started) / 1000;

  // ---- table
  const byBits = result.byBits as Record<string, Record<string, any>>;
  const cols = Object.keys(byBits);
  const row = (label: string, get: (b: Record<string, any>) => string) => [label, ...cols.map((c) => get(byBits[c]!))];
  const r2048 = byBits.rsa2048!;
  const rows: string[][] = [
    ['figure', ...cols.map((c) => c.replace('rsa', 'RSA-'))],
    row('baseline docs/s', (b) => sp(b.baselineDocsPerSecond)),
    row('gateway docs/s', (b) => sp(b.gatewayDocsPerSecond)),
    row('ratio gateway/baseline  (target ≥ 0.80)', (b) => `${sp(b.ratio, f2)}  ${verdict(b.ratio.median >= 0.8)}`),
    row('baseline CPU ms/doc, all processes', (b) => sp(b.baselineCpuMsPerDoc, f2)),
    row('gateway process CPU ms/doc  (target ≤ 6.5, RSA-2048)', (b) => `${sp(b.gatewayCpuMsPerDoc, f2)}${b === r2048 ? `  ${verdict(b.gatewayCpuMsPerDoc.median <= 6.5)}` : ''}`),
    row('all processes CPU ms/doc (gateway+redis+sink+tenants)', (b) => sp(b.allProcessesCpuMsPerDoc, f2)),
    row('Redis commands per archived doc  (target ≤ 40)', (b) => `${sp(b.redisCommandsPerDoc, f1)}  ${verdict(b.redisCommandsPerDoc.median <= 40)}`),
    row('intake POST→202 p50 / p99 ms at 50 % load  (p99 ≤ 25)', (b) => `${f1(b.intakeLatencyMs.p50)} / ${f1(b.intakeLatencyMs.p99)} at ${f0(b.intakeLatencyMs.rate)}/s  ${verdict(b.intakeLatencyMs.p99 <= 25)}`),
    row('Redis bytes per queued doc ÷ doc size  (≤ 1.5)', (b) => `${f2(b.backlog.redisPerDocSize)} (${f0(b.backlog.redisBytesPerDoc)} B)  ${verdict(b.backlog.redisPerDocSize <= 1.5)}`),
    row('gateway heap per queued doc, bytes  (no growth)', (b) => `${f0(b.backlog.heapBytesPerDoc)}  ${verdict(b.backlog.heapBytesPerDoc <= 0.05 * b.backlog.docBytes)}`),
  ];
  // Every issue-14 target with its figure and verdict, for bench/results/*.json.
  const two0 = r2048.twoProcesses as { cpuRatioToOne?: number } | undefined;
  result.targets = [
    { target: 'ratio gateway/baseline', limit: '>= 0.8', value: r2048.ratio.median, met: r2048.ratio.median >= 0.8 },
    { target: 'gateway CPU ms per document (RSA-2048)', limit: '<= 6.5', value: r2048.gatewayCpuMsPerDoc.median, met: r2048.gatewayCpuMsPerDoc.median <= 6.5 },
    { target: 'Redis commands per archived document', limit: '<= 40', value: r2048.redisCommandsPerDoc.median, met: r2048.redisCommandsPerDoc.median <= 40 },
    { target: 'intake p99 ms at 50 % load', limit: '<= 25', value: r2048.intakeLatencyMs.p99, met: r2048.intakeLatencyMs.p99 <= 25 },
    { target: 'Redis bytes per queued document / document size', limit: '<= 1.5', value: r2048.backlog.redisPerDocSize, met: r2048.backlog.redisPerDocSize <= 1.5 },
    { target: 'gateway heap bytes per queued document', limit: '~0 (<= 5 % of the document)', value: r2048.backlog.heapBytesPerDoc, met: r2048.backlog.heapBytesPerDoc <= 0.05 * r2048.backlog.docBytes },
    ...(two0?.cpuRatioToOne !== undefined ? [{ target: 'two processes: CPU per document / one process', limit: '<= 1.1', value: two0.cpuRatioToOne, met: two0.cpuRatioToOne <= 1.1 }] : []),
  ];
  console.log(`\n${table(rows)}`);
  const two = r2048.twoProcesses;
  if (two?.error) console.log(`two gateway processes, one Redis: FAILED: ${two.error}`);
  else if (two) console.log(`two gateway processes, one Redis (RSA-2048): ${f0(two.docsPerSecond)} docs/s, ${f2(two.gatewayCpuMsPerDoc)} gateway CPU ms/doc = ${f2(two.cpuRatioToOne)}× one process  (target ≤ 1.10: ${verdict(two.cpuRatioToOne <= 1.1)}); ${f1(two.redisCommandsPerDoc)} Redis commands/doc; tenants retried 503s: ${JSON.stringify(two.retried503)}`);
  const dbl = r2048.strictDouble;
  if (dbl?.error) console.log(`reference, strict Kanta double: FAILED: ${dbl.error}`);
  else if (dbl) console.log(`reference, strict Kanta double instead of the sink (RSA-2048): ${f0(dbl.docsPerSecond)} docs/s, gateway ${f2(dbl.gatewayCpuMsPerDoc)} CPU ms/doc, double ${f2(dbl.doubleCpuMsPerDoc)} CPU ms/doc, ${dbl.archived} archived`);
  const bd = r2048.redisBreakdown as MonitorResult | undefined;
  if (bd) {
    console.log(`Redis commands per document by call (MONITOR, ${bd.docs} documents; a script's inner commands counted under it): ${f1(bd.topLevelPerDoc)} calls, ${f1(bd.totalPerDoc)} commands in all`);
    for (const r of bd.rows.slice(0, 18)) console.log(`  ${f2(r.callsPerDoc).padStart(6)} × ${r.call}${r.innerPerDoc > 0 ? `  (+${f1(r.innerPerDoc)} inside: ${r.inner.slice(0, 5).map(([k, n]) => `${k} ${f1(n)}`).join(', ')})` : ''}`);
  }
  console.log(`Redis bytes per queued document by key (MEMORY USAGE growth, RSA-2048 backlog): ${(r2048.backlog.byKeyClass as Array<[string, number]>).slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`Redis commands per doc, most frequent (RSA-2048, last run): ${r2048.redisTopCommandsPerDoc.slice(0, 8).map(([k, n]: [string, number]) => `${k} ${n}`).join(', ')}`);
  console.log(`took ${f0(result.seconds as number)} s; load average at the end ${load()}`);
  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(result, null, 2);
  writeFileSync(path.join(RESULTS, `e2e-${QUICK ? 'quick-' : ''}${stamp}.json`), json);
  writeFileSync(path.join(RESULTS, `e2e-${QUICK ? 'quick-' : ''}latest.json`), json);
  writeFileSync(path.join(RESULTS, `e2e-${QUICK ? 'quick-' : ''}latest.txt`), `${table(rows)}\n`);
}

await main();
process.exit(0);
