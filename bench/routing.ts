// Routing decision benchmark (issue #4): 10 000 organisations, 100 000 service units, 1 000 000 right
// entries in organizer+client snapshots held in a Map (as a cache in front of the right store would),
// then 120 000 timed decisions (snapshot lookup + decide). Targets: median ≤ 20 µs, p99 ≤ 100 µs.
// Run: npx tsx bench/routing.ts
import { validateConfig } from '../config/load.ts';
import { buildRoutingIndex, clientKey, decide, type RightPeriod, type RightSnapshot, type RoutingMeta } from '../gateway/routing/index.ts';
import type { DocumentOperation } from '../domain/document-header.ts';

const ORGS = 10_000;
const REGIONS = 100;
const UNITS_PER_ORG = 10;
const SNAPSHOTS = 250_000;
const ENTRIES_PER_SNAPSHOT = 4;
const DECISIONS = 120_000;
const WARMUP = 20_000;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const mem = (label: string) => {
  const m = process.memoryUsage();
  console.log(`${label.padEnd(28)} heapUsed ${mb(m.heapUsed).padStart(7)}  rss ${mb(m.rss).padStart(7)}`);
};

// Deterministic pseudo-random numbers so runs are comparable.
let seed = 42;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

const orgOid = (i: number) => `1.2.246.10.${100000 + i}`;
const unitOid = (org: number, u: number) => `${orgOid(org)}.10.${u + 1}`;
const isRegion = (i: number) => i < REGIONS;
/** A provider's two organizers. */
const organizersOf = (p: number) => [p % REGIONS, (p * 7 + 3) % REGIONS];

mem('start');
let t0 = process.hrtime.bigint();
const organisations = [];
const serviceUnits = [];
const tenants = [];
const contracts = [];
for (let i = 0; i < ORGS; i++) {
  organisations.push({ oid: orgOid(i), name: `Org ${i}`, kind: isRegion(i) ? 'welfare-region' : 'private-provider' });
  for (let u = 0; u < UNITS_PER_ORG; u++) serviceUnits.push({ oid: unitOid(i, u), organisation: orgOid(i) });
  tenants.push({ id: `t-${i}`, name: `Tenant ${i}`, credentials: { apiTokenSha256: ['a'.repeat(64)] }, actsFor: [{ organisation: orgOid(i), joining: { model: 'direct' } }], accessPoint: 'ap-1', signingIdentity: 'sig-1' });
  if (!isRegion(i)) {
    for (const r of new Set(organizersOf(i))) {
      contracts.push({ id: `c-${r}-${i}`, organizer: orgOid(r), provider: orgOid(i), serviceTasks: ['24', '25', '26'], validFrom: '2026-01-01' });
    }
  }
}
const raw = {
  kanta: { accessPoints: [{ id: 'ap-1', url: 'https://kanta.invalid/', senderId: '1.2.246.10.9' }] },
  organisations,
  serviceUnits,
  signingIdentities: [{ id: 'sig-1', certificates: [{ certFile: 'x.pem', keyFile: 'x.key' }] }],
  tenants,
  contracts,
};
const loaded = validateConfig(raw, 'bench', '/tmp');
const tValidate = Number(process.hrtime.bigint() - t0) / 1e6;
t0 = process.hrtime.bigint();
const index = buildRoutingIndex(loaded.config, loaded.version);
const tIndex = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`config: ${ORGS} organisations, ${serviceUnits.length} units, ${contracts.length} contracts; validate ${tValidate.toFixed(0)} ms, index build ${tIndex.toFixed(0)} ms`);
mem('after index');

// Providers of each region, for right entries that match a contract.
const providersOf: number[][] = Array.from({ length: REGIONS }, () => []);
for (let p = REGIONS; p < ORGS; p++) for (const r of new Set(organizersOf(p))) providersOf[r]!.push(p);

t0 = process.hrtime.bigint();
const cache = new Map<string, RightSnapshot>();
const clientKeys: string[] = [];
const snapshotKeys: string[] = [];
let entryCount = 0;
for (let s = 0; s < SNAPSHOTS; s++) {
  const region = s % REGIONS;
  const key = clientKey({ root: '1.2.246.21', extension: `c${s}` }, 'bench-secret');
  clientKeys.push(key);
  const provs = providersOf[region]!;
  const p1 = provs[rand(provs.length)]!;
  const p2 = provs[rand(provs.length)]!;
  const t24: RightPeriod[] = [
    { unit: unitOid(p1, rand(UNITS_PER_ORG)), start: '2026-01-01', end: '2026-04-30' },
    { unit: unitOid(p1, rand(UNITS_PER_ORG)), start: '2026-06-01' },
  ];
  const t25: RightPeriod[] = [
    { unit: unitOid(p2, rand(UNITS_PER_ORG)), start: '2026-02-01', end: '2026-12-31' },
    { unit: unitOid(p2, rand(UNITS_PER_ORG)), start: '2026-03-01' },
  ];
  entryCount += ENTRIES_PER_SNAPSHOT;
  const k = `${orgOid(region)}|${key}`;
  snapshotKeys.push(k);
  cache.set(k, { organizer: orgOid(region), clientKey: key, entries: { '24': t24, '25': t25 }, source: { kind: 'document', documentId: `${orgOid(region)}.1.${s}`, setId: `${orgOid(region)}.1.${s}`, versionNumber: 1 }, effectiveAt: '2026-01-01T00:00:00.000Z' });
}
const tRights = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`rights: ${cache.size} snapshots, ${entryCount} entries; built in ${tRights.toFixed(0)} ms`);
mem('after rights');

// Inputs prepared outside the timed loop: ~70 % provider documents under a right, ~15 % own registry,
// ~15 % refusals (date outside, unit not listed, no contract), ~10 % of all versions (clock-dependent rule).
interface Case { tenantId: string; meta: RoutingMeta; operation: DocumentOperation; rightsKey: string; }
const cases: Case[] = [];
for (let i = 0; i < DECISIONS + WARMUP; i++) {
  const s = rand(SNAPSHOTS);
  const snap = cache.get(snapshotKeys[s]!)!;
  const region = s % REGIONS;
  const kind = rand(100);
  const period = snap.entries['24']![0]!;
  const providerOrg = Number(period.unit.split('.')[4]) - 100000;
  const base: RoutingMeta = { documentId: `1.2.246.10.9.${i}`, setId: `1.2.246.10.9.${i}`, versionNumber: 1, custodian: orgOid(region), outsourcingServiceCustomer: orgOid(region), serviceUnit: period.unit, functionCode: '24', documentGroup: '5', documentDate: '2026-03-15' };
  let c: Case = { tenantId: `t-${providerOrg}`, meta: base, operation: 'archive', rightsKey: snapshotKeys[s]! };
  if (kind < 15) c = { tenantId: `t-${region}`, meta: { ...base, serviceUnit: unitOid(region, 0) }, operation: 'archive', rightsKey: snapshotKeys[s]! };
  else if (kind < 20) c = { ...c, meta: { ...base, documentDate: '2026-05-15' } };
  else if (kind < 25) c = { ...c, meta: { ...base, functionCode: '25' } };
  else if (kind < 30) c = { ...c, meta: { ...base, functionCode: '27' } };
  else if (kind < 40) c = { ...c, operation: 'version', meta: { ...base, versionNumber: 2 } };
  cases.push(c);
}
const tenantsById = new Map(loaded.config.tenants.map((t) => [t.id, t]));
const now = new Date('2026-04-01T09:00:00Z');
mem('after inputs');

const times = new Float64Array(DECISIONS);
const outcomes: Record<string, number> = {};
for (let i = 0; i < cases.length; i++) {
  const c = cases[i]!;
  const start = process.hrtime.bigint();
  const d = decide({ index, tenant: tenantsById.get(c.tenantId)!, meta: c.meta, operation: c.operation, rights: cache.get(c.rightsKey), now });
  const end = process.hrtime.bigint();
  if (i >= WARMUP) {
    times[i - WARMUP] = Number(end - start) / 1000;
    outcomes[d.ruleId] = (outcomes[d.ruleId] ?? 0) + 1;
  }
}
{
  // Throughput without per-call timers, for comparison with the per-call latency.
  const t = process.hrtime.bigint();
  for (let i = WARMUP; i < cases.length; i++) {
    const c = cases[i]!;
    decide({ index, tenant: tenantsById.get(c.tenantId)!, meta: c.meta, operation: c.operation, rights: cache.get(c.rightsKey), now });
  }
  const perCall = Number(process.hrtime.bigint() - t) / 1000 / DECISIONS;
  console.log(`untimed loop: ${perCall.toFixed(2)} µs per decision (${Math.round(1e6 / perCall)} decisions/s on one core)`);
}
const sorted = Array.from(times).sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
console.log(`decisions: ${DECISIONS} timed after ${WARMUP} warm-up; outcomes ${JSON.stringify(outcomes)}`);
console.log(`latency µs: median ${pct(0.5).toFixed(2)}  p90 ${pct(0.9).toFixed(2)}  p99 ${pct(0.99).toFixed(2)}  p99.9 ${pct(0.999).toFixed(2)}  max ${sorted[sorted.length - 1]!.toFixed(1)}  mean ${mean.toFixed(2)}`);
mem('after decisions');
const ok = pct(0.5) <= 20 && pct(0.99) <= 100;
console.log(ok ? 'targets met (median ≤ 20 µs, p99 ≤ 100 µs)' : 'TARGETS MISSED (median ≤ 20 µs, p99 ≤ 100 µs)');
process.exitCode = ok ? 0 : 1;
