// `npx tsx bench/usage-log-batch.ts`: what group commit saves in the usage log and the routing journal.
// Against its own redis-server, BENCH_N (default 5000) appends to 3 chains with BENCH_CONCURRENCY
// (default 16) in flight, as intake makes them, once one at a time per chain (maxBatch 1: the behaviour
// before group commit) and once group-committed (maxBatch 64); then as many routing-journal entries, once
// with MULTI, LPUSH, LTRIM, EXEC per entry (as before) and once group-committed. Prints per variant:
// appends/s, Redis commands per append (INFO commandstats, commands inside scripts included; the
// benchmark's own INFO and CONFIG left out), script calls per append, CPU ms per append of this process
// (which is all the client side: no worker threads) and of redis-server. maxBatch 1 already serialises
// each record once (sealRecord), so the last lines time that alone against the two serialisations
// (recordDigest, then canonicalJson of the record) every append made before.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../queues/local-redis-server.ts';
import { AuditLog } from '../gateway/audit/audit-log.ts';
import { intakeAcceptedEvent } from '../gateway/audit/audit-events.ts';
import { RoutingJournal, toJournalEntry, type JournalEntry } from '../gateway/registry-rights/routing-journal.ts';
import type { RoutingOutcome } from '../gateway/routing/types.ts';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { canonicalJson, genesisDigest, recordDigest, sealRecord } from '../gateway/audit/verify-chain.ts';

const N = Number(process.env.BENCH_N ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CHAINS = ['1.2.246.10.11111111.10.0', '1.2.246.10.22222222.10.0', '1.2.246.10.33333333.10.0'];
const SECRET = 'bench-secret';

interface Figures {
  variant: string;
  perSecond: number;
  commandsPer: number;
  scriptCallsPer: number;
  cpuMsPer: number;
  redisCpuMsPer: number;
  top: string;
}

async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) if (!/^(info|config)/.test(m[1]!)) out.set(m[1]!, Number(m[2]));
  return out;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
}

/** Runs `one(i)` for i in [0, n) with `concurrency` calls in flight and measures it. */
async function measure(redis: Redis, variant: string, n: number, one: (i: number) => Promise<unknown>): Promise<Figures> {
  await redis.config('RESETSTAT');
  const redisCpu0 = await redisCpuSeconds(redis);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await one(next++);
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
  const calls = await commandCalls(redis);
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const scripts = (calls.get('evalsha') ?? 0) + (calls.get('eval') ?? 0);
  const top = [...calls].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c} ${(k / n).toFixed(2)}`).join(', ');
  return { variant, perSecond: Math.round((n / ms) * 1000), commandsPer: total / n, scriptCallsPer: scripts / n, cpuMsPer: (cpu.user + cpu.system) / 1000 / n, redisCpuMsPer: (redisCpu * 1000) / n, top };
}

function usageEvent(i: number) {
  const org = CHAINS[i % CHAINS.length]!;
  const documentId = `${org}.95.${100000 + i}`;
  return intakeAcceptedEvent({
    tenant: { id: 'region' },
    meta: { documentId, client: { root: '1.2.246.21', extension: makeHetu(1 + (i % 28), 1 + (i % 12), 1990, 900 + (i % 99)) } },
    operation: 'archive',
    decision: { controller: org, writerOrganisation: org, ruleId: 'R-OWN', usageSituation: 'own' } as never,
    submissionId: randomUUID(),
  });
}

function journalEntry(i: number): JournalEntry {
  const org = CHAINS[i % CHAINS.length]!;
  return toJournalEntry({
    at: new Date(),
    tenantId: 'region',
    operation: 'archive',
    meta: {
      documentId: `${org}.95.${100000 + i}`,
      setId: `${org}.96.${100000 + i}`,
      versionNumber: 1,
      custodian: org,
      documentGroup: 'ASIAKASKERTOMUS',
      documentDate: '2026-03-01',
      client: { root: '1.2.246.21', extension: makeHetu(1 + (i % 28), 1 + (i % 12), 1990, 900 + (i % 99)) },
    } as never,
    decision: { accepted: true, ruleId: 'R-OWN', controller: org, configVersion: 'v1' } as RoutingOutcome,
    clientKeySecret: SECRET,
  });
}

/** The journal write as it was before group commit, kept here only to measure against. */
function legacyJournal(redis: Redis, prefix: string, max: number) {
  const key = `${prefix}:routing:journal`;
  return async (entry: JournalEntry) => void (await redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, max - 1).exec());
}

const server = await startLocalRedis();
const redis = new Redis(server.url);
try {
  const results: Figures[] = [];
  // Warm-up (JIT, script cache), not reported.
  const warm = new AuditLog(redis, { prefix: 'warm', clientKeySecret: SECRET });
  await measure(redis, 'warm-up', 1000, (i) => warm.append(usageEvent(i)));

  for (const [variant, maxBatch] of [['usage log, maxBatch 1 (before)', 1], ['usage log, maxBatch 64 (group commit)', 64]] as const) {
    const log = new AuditLog(redis, { prefix: `ul${maxBatch}`, clientKeySecret: SECRET, maxBatch });
    results.push(await measure(redis, variant, N, (i) => log.append(usageEvent(i))));
    for (const org of CHAINS) if ((await log.head(org))?.seq !== Math.ceil((N - CHAINS.indexOf(org)) / CHAINS.length)) throw new Error(`${variant}: chain ${org} is not complete`);
  }

  const legacy = legacyJournal(redis, 'rjwarm', 1000);
  await measure(redis, 'warm-up', 1000, (i) => legacy(journalEntry(i)));
  const before = legacyJournal(redis, 'rj0', 1000);
  results.push(await measure(redis, 'routing journal, MULTI/EXEC per entry (before)', N, (i) => before(journalEntry(i))));
  const journal = new RoutingJournal(redis, { prefix: 'rj1', max: 1000 });
  results.push(await measure(redis, 'routing journal, group commit', N, (i) => journal.record(journalEntry(i))));
  if ((await redis.llen('rj1:routing:journal')) !== 1000) throw new Error('routing journal: not capped at max');

  // The record as the usage log builds it, serialised the old way and the new way, alternately.
  const log = new AuditLog(redis, { prefix: 'shape', clientKeySecret: SECRET });
  const sample = await log.append(usageEvent(0));
  const { digest: _d, ...unsigned } = { ...sample, prev: genesisDigest(sample.organisation) };
  const serialise: Record<string, () => unknown> = {
    'recordDigest + canonicalJson (before)': () => canonicalJson({ ...unsigned, digest: recordDigest(unsigned) }),
    'sealRecord (now)': () => sealRecord(unsigned),
  };
  const serialiseUs: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(serialise)) {
      const t = performance.now();
      for (let i = 0; i < 20_000; i++) fn();
      if (round > 0) serialiseUs[name] = ((performance.now() - t) * 1000) / 20_000;
    }
  }

  console.log(`N=${N} per variant, concurrency ${CONCURRENCY}, ${CHAINS.length} chains, local redis-server`);
  console.log('| variant | per s | Redis commands each | script calls each | CPU ms each (Node) | CPU ms each (redis-server) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.variant} | ${r.perSecond} | ${r.commandsPer.toFixed(2)} | ${r.scriptCallsPer.toFixed(2)} | ${r.cpuMsPer.toFixed(3)} | ${r.redisCpuMsPer.toFixed(3)} |`);
  for (const r of results) console.log(`${r.variant}: ${r.top}`);
  for (const [name, us] of Object.entries(serialiseUs)) console.log(`serialising one record, ${name}: ${us.toFixed(1)} µs`);
} finally {
  await redis.quit();
  await server.stop();
}
