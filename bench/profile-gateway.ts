// Where the gateway's CPU goes at the signing ceiling, per thread: a real redis-server, the e2e fast
// sink (bench/e2e/fast-sink.ts), `kanta-gateway serve` with its default configuration (self-check on),
// 16 tenant connections POSTing distinct ~5 kB documents closed-loop. Prints docs/s and CPU ms per
// document of the gateway process split by thread (main thread, signing threads, the rest: libuv, V8
// platform, GC helpers), from /proc/PID/task/*/stat. With BENCH_PROFILE=DIR the gateway runs under
// `node --cpu-prof`: one V8 profile per JavaScript thread, written when it exits, and the top
// self-time functions of each are printed (startup and warm-up are in the profile too).
//   npx tsx bench/profile-gateway.ts      (BENCH_DOCS=600, BENCH_BITS=2048|4096, BENCH_TOP=12)
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { makeSampleCda } from '../adapters/cda/sample-document.ts';
import { initTestPki } from '../certs/test-pki.ts';
import type { ConfigInput } from '../config/schema.ts';
import { DEMO } from '../gateway/demo/demo-environment.ts';
import { DocumentStore } from '../queues/document-store.ts';
import { startLocalRedis } from '../queues/local-redis-server.ts';
import { writeGatewayConfig } from '../test/helpers/processes.ts';
import { spawnGateway } from './e2e/gateway-process.ts';
import type { CpuProfile } from './e2e/profile-top.ts';

const DOCS = Number(process.env.BENCH_DOCS ?? 600);
const WARM = Math.min(150, DOCS);
const BITS = Number(process.env.BENCH_BITS ?? 2048) as 2048 | 4096;
const TOP = Number(process.env.BENCH_TOP ?? 12);
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : undefined;
const CLIENTS = 16;
const NOTE = 'Käyntikirjaus, synteettinen sisältö. '.repeat(16); // about 5 kB per document, as bench/e2e.ts
const ORGS = [DEMO.region, DEMO.hoiva, DEMO.perhe].map((o, k) => ({ ...o, tenant: (['region', 'hoiva', 'perhe'] as const)[k]! }));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUN = Math.floor(Date.now() / 1000);
let serial = 0;

function makeDocs(n: number) {
  return Array.from({ length: n }, (_, k) => {
    const org = ORGS[k % ORGS.length]!;
    const s = serial++;
    const id = `${org.oid}.96.${RUN}.${s + 1}`;
    const hetu = makeHetu(1 + (s % 28), 1 + (Math.floor(s / 28) % 12), 1950 + (Math.floor(s / 336) % 60), 900 + (Math.floor(s / 20160) % 100));
    return { tenant: org.tenant, xml: makeSampleCda({ documentId: id, custodian: org.oid, custodianName: org.name, serviceUnit: org.unit, serviceUnitName: org.unitName, hetu, note: NOTE }) };
  });
}

/** Top self-time functions as a share of the thread's busy time ((idle) left out), by function and file. */
function busiestFunctions(p: CpuProfile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const grouped = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') return;
    const t = p.timeDeltas[i] ?? 0;
    busy += t;
    const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(certs|bench|adapters|queues|gateway|domain|config)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'}  ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
    grouped.set(key, (grouped.get(key) ?? 0) + t);
  });
  const rows = [...grouped].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`  busy ${(busy / 1000).toFixed(0)} ms sampled`, ...rows.map(([k, t]) => `${((t / busy) * 100).toFixed(1).padStart(6)} %  ${k}`)].join('\n');
}

const TICK_MS = 1000 / 100; // CLK_TCK is 100 on Linux

/** CPU ms per thread of a process: tid → {name, ms}. */
function threadCpu(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, ms: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

async function startSink(pki: Awaited<ReturnType<typeof initTestPki>>): Promise<{ child: ChildProcess; url: string; count(): Promise<number> }> {
  const child = fork(path.join(HERE, 'e2e', 'fast-sink.ts'), ['--cert', pki.tlsServer.certFile, '--key', pki.tlsServer.keyFile, '--ca', pki.ca.certFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    child,
    url: `https://127.0.0.1:${ready.port}/kanta/sh`,
    count: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { received: number }) => resolve(m.received));
        child.send({ type: 'count' });
      }),
  };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'kgw-profile-gw-'));
const redisServer = await startLocalRedis();
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
const store = new DocumentStore(redis, 'kgw');
let sink: Awaited<ReturnType<typeof startSink>> | undefined;
try {
  const pki = await initTestPki(path.join(work, 'pki'), { bits: BITS, organisations: ORGS.map((o) => ({ oid: o.oid, name: o.name })), accessPoints: [{ id: DEMO.accessPoint, senderId: DEMO.operator.oid }] });
  sink = await startSink(pki);
  mkdirSync(path.join(work, 'gw'));
  const cfg = await writeGatewayConfig(path.join(work, 'gw'), pki, redisServer.url, sink.url, (c: ConfigInput) => {
    delete (c as { queues?: unknown }).queues;
    delete (c as { signer?: unknown }).signer;
  });
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const gw = await spawnGateway(cfg.configFile, cfg.port, PROFILE_DIR ? { profileDir: PROFILE_DIR } : {});
  const pool = new Pool(gw.url, { connections: CLIENTS, keepAliveTimeout: 60_000 });
  const pid = gw.child.pid!;
  const run = async (docs: ReturnType<typeof makeDocs>) => {
    const before = await sink!.count();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < docs.length) {
          const d = docs[next++]!;
          for (let attempt = 1; ; attempt++) {
            const res = await pool.request({ path: '/v1/documents', method: 'POST', body: d.xml, headers: { authorization: `Bearer ${cfg.tokens[d.tenant]}`, 'content-type': 'application/xml' } });
            const text = await res.body.text();
            if (res.statusCode === 202) break;
            if (res.statusCode === 503 && attempt < 20) {
              await new Promise((r) => setTimeout(r, 20 * attempt));
              continue;
            }
            throw new Error(`intake answered ${res.statusCode}: ${text.slice(0, 300)}`);
          }
        }
      }),
    );
    while ((await sink!.count()) < before + docs.length) await new Promise((r) => setTimeout(r, 20));
    while ((await store.openCount()) > 0) await new Promise((r) => setTimeout(r, 5));
  };
  await run(makeDocs(WARM));
  const docs = makeDocs(DOCS);
  const load0 = os.loadavg()[0]!;
  const cpu0 = threadCpu(pid);
  const t0 = performance.now();
  await run(docs);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = threadCpu(pid);
  // Threads by role: the main thread (tid = pid), the signing threads (the busiest JavaScript threads
  // besides main: as many as cores), everything else.
  const used = [...cpu1].map(([tid, t]) => ({ tid, name: t.name, ms: t.ms - (cpu0.get(tid)?.ms ?? 0) })).filter((t) => t.ms > 0);
  const main = used.find((t) => t.tid === pid)?.ms ?? 0;
  const others = used.filter((t) => t.tid !== pid).sort((a, b) => b.ms - a.ms);
  const signing = others.slice(0, os.availableParallelism());
  const signMs = signing.reduce((a, t) => a + t.ms, 0);
  const total = used.reduce((a, t) => a + t.ms, 0);
  const per = (ms: number) => (ms / DOCS).toFixed(2);
  console.log(`profile-gateway: RSA-${BITS}, ${DOCS} documents of ${Buffer.byteLength(docs[0]!.xml)} bytes, ${CLIENTS} connections; nproc ${os.availableParallelism()}, load average ${load0.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`  ${(DOCS / seconds).toFixed(0)} docs/s; gateway CPU ${per(total)} ms/doc = main thread ${per(main)} + signing threads ${per(signMs)} (${signing.map((t) => `${t.name} ${per(t.ms)}`).join(', ')}) + other threads ${per(total - main - signMs)}`);
  const named = new Map<string, number>();
  for (const t of others.slice(signing.length)) named.set(t.name, (named.get(t.name) ?? 0) + t.ms);
  console.log(`  other threads by name: ${[...named].sort((a, b) => b[1] - a[1]).map(([n, ms]) => `${n} ${per(ms)}`).join(', ')}`);
  if (process.env.BENCH_THREADS) console.log(`  every thread (tid name ms/doc): ${used.sort((a, b) => a.tid - b.tid).map((t) => `${t.tid - pid} ${t.name} ${per(t.ms)}`).join(' | ')}`);
  await pool.close();
  await gw.kill();
  if (PROFILE_DIR) {
    for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile')).sort()) {
      const p = JSON.parse(readFileSync(path.join(PROFILE_DIR, file), 'utf8')) as CpuProfile;
      console.log(`\n${file}\n${busiestFunctions(p, TOP)}`);
    }
  }
} finally {
  if (sink) {
    sink.child.send({ type: 'stop' });
    await once(sink.child, 'exit');
  }
  await redis.quit();
  await redisServer.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
