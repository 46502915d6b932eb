// Sealed usage-log segments against a real redis-server and a temp directory: sealing and trimming,
// the chain across segments and into Redis, tampering, a crash at every step of a seal, retention,
// and two sealers racing.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { AuditLog, type AuditRecord } from '../../gateway/audit/audit-log.ts';
import { auditKeys } from '../../gateway/audit/audit-keys.ts';
import { AuditSealer, type SealStep } from '../../gateway/audit/segment-sealer.ts';
import { MANIFEST_FILE, readManifest } from '../../gateway/audit/segment-manifest.ts';
import { exportUsageLog } from '../../gateway/audit/usage-log-export.ts';
import { verifyOrganisationSegments } from '../../gateway/audit/verify-segments.ts';
import { canonicalJson, verifyChain } from '../../gateway/audit/verify-chain.ts';
import { auditVerifySegmentsCommand } from '../../gateway/audit/verify-segments-command.ts';

const SECRET = 'segments-test-secret';
const ORG = '1.2.246.10.1001';
const OTHER = '1.2.246.10.2001';
const client = { root: '1.2.246.21', extension: makeHetu(12, 8, 2012, 952) };

function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso: string) => void (t = Date.parse(iso)), step: (ms: number) => void (t += ms) };
}

async function collect(it: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('usage-log segments (real Redis, temp dir)', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let time: ReturnType<typeof clock>;
  let log: AuditLog;

  before(() => {
    redis = new Redis(server.url);
  });
  after(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `seg${randomUUID().slice(0, 8)}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-segments-'));
    time = clock('2026-03-01T10:00:00Z');
    log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: time.now });
  });

  const sealer = (over: Partial<ConstructorParameters<typeof AuditSealer>[0]> = {}, connection: Redis = redis) =>
    new AuditSealer({ redis: connection, prefix, dir, sealAfterMs: 60 * 60_000, maxEntries: 10, now: time.now, ...over });

  async function append(n: number, org = ORG, stepMs = 1_000): Promise<void> {
    for (let i = 0; i < n; i++) {
      await log.append({ organisation: org, action: 'intake-accepted', actor: { kind: 'tenant', id: 't-region-a' }, documentId: `${org}.95.${i + 1}`, client, details: { operation: 'archive' } });
      time.step(stepMs);
    }
  }

  async function liveLines(org = ORG): Promise<string[]> {
    return (await collect(log.liveRecords(org))).map((r) => canonicalJson(r));
  }

  async function verifyWithRedis(org = ORG) {
    const sealedMark = await redis.hgetall(auditKeys(prefix, org).sealed);
    return verifyOrganisationSegments(path.join(dir, org), org, {
      lines: await liveLines(org),
      ...((await log.head(org)) ? { head: (await log.head(org))! } : {}),
      ...(sealedMark.seq ? { sealed: { seq: Number(sealedMark.seq), digest: sealedMark.digest!, manifestDigest: sealedMark.manifestDigest! } } : {}),
    });
  }

  /** The whole chain as exported: every seq once, in order, and it verifies from genesis. */
  async function expectWholeChain(lastSeq: number, org = ORG): Promise<void> {
    const all = await collect(exportUsageLog(log, { dir }, org));
    expect(all.map((r) => r.seq)).to.deep.equal(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(verifyChain(all.map((r) => canonicalJson(r)), { expectedHead: (await log.head(org))! })).to.include({ valid: true, count: lastSeq });
  }

  it('seals entries older than the age limit in segments of at most maxEntries, trims Redis and keeps the head', async () => {
    await append(25);
    time.step(2 * 60 * 60_000);
    await append(3); // fresh: stay live
    const before = await log.head(ORG);
    const r = await sealer().sealAll();
    expect(r.ran).to.equal(true);
    expect(r.organisations[0]).to.include({ organisation: ORG, sealedSegments: 3, sealedEntries: 25 });
    const state = await readManifest(path.join(dir, ORG), ORG);
    expect(state.retained.map((s) => [s.firstSeq, s.lastSeq])).to.deep.equal([[1, 10], [11, 20], [21, 25]]);
    expect(await redis.xlen(auditKeys(prefix, ORG).stream)).to.equal(3);
    expect(await log.head(ORG)).to.deep.equal(before);
    // Appends continue the chain from the untouched head.
    await append(2);
    expect((await log.head(ORG))!.seq).to.equal(30);
    expect(await verifyWithRedis()).to.include({ valid: true, retainedSegments: 3, entries: 25, lastSealedSeq: 25, firstRetainedSeq: 1 });
    await expectWholeChain(30);
    // A second pass with nothing old enough changes nothing.
    expect((await sealer().sealAll()).organisations[0]).to.include({ sealedSegments: 0 });
  });

  it('seals a full segment whatever its age, and every organisation separately', async () => {
    await append(12, ORG, 1);
    await append(4, OTHER, 1);
    const r = await sealer({ sealAfterMs: 24 * 60 * 60_000 }).sealAll();
    const byOrg = Object.fromEntries(r.organisations.map((o) => [o.organisation, o.sealedEntries]));
    expect(byOrg).to.deep.equal({ [ORG]: 10, [OTHER]: 0 });
    expect((await verifyWithRedis(ORG)).valid).to.equal(true);
    await expectWholeChain(12);
    await expectWholeChain(4, OTHER);
  });

  it('filters the joined export by time and client like the live export', async () => {
    await append(5);
    await log.append({ organisation: ORG, action: 'archived', actor: { kind: 'system', id: 'pipeline' }, documentId: `${ORG}.95.2` });
    await log.append({ organisation: ORG, action: 'intake-accepted', actor: { kind: 'tenant', id: 't-region-a' }, documentId: `${ORG}.95.77`, client: { root: '1.2.246.21', extension: makeHetu(3, 4, 1985, 961) } });
    time.step(2 * 60 * 60_000);
    await sealer({ maxEntries: 3 }).sealAll();
    const mine = await collect(exportUsageLog(log, { dir }, ORG, { client }));
    expect(mine.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const slice = await collect(exportUsageLog(log, { dir }, ORG, { from: '2026-03-01T10:00:02Z', to: '2026-03-01T10:00:03Z' }));
    expect(slice.map((r) => r.seq)).to.deep.equal([3, 4]);
  });

  for (const freshTail of [2, 0]) {
    it(`an export that a sealer overtakes still yields every entry once (${freshTail ? 'live tail left' : 'all sealed'})`, async () => {
      // Pages of 2 from Redis, so the sealer can trim between two pages of one export.
      const paged = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: time.now, pageSize: 2 });
      await append(10);
      time.step(2 * 60 * 60_000);
      await append(freshTail);
      if (!freshTail) time.step(2 * 60 * 60_000);
      const total = 10 + freshTail;
      const it = exportUsageLog(paged, { dir }, ORG);
      const seen: number[] = [];
      const first = await it.next();
      seen.push((first.value as AuditRecord).seq);
      await sealer().sealAll();
      expect(await redis.xlen(auditKeys(prefix, ORG).stream)).to.equal(freshTail);
      for await (const r of it) seen.push(r.seq);
      expect(seen).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
    });
  }

  it('detects a changed record, a replaced segment and a rewritten manifest', async () => {
    await append(20);
    time.step(2 * 60 * 60_000);
    await sealer().sealAll();
    const orgDir = path.join(dir, ORG);
    const segFile = path.join(orgDir, (await readManifest(orgDir, ORG)).retained[1]!.file);
    const original = readFileSync(segFile);

    // A record changed and the file written back: its hash no longer matches the manifest.
    const text = gunzipSync(original).toString('utf8').replace('"t-region-a"', '"t-region-b"');
    writeFileSync(segFile, gzipSync(text));
    let v = await verifyWithRedis();
    expect(v.valid).to.equal(false);
    expect(v.file).to.equal(path.basename(segFile));
    expect(v.reason).to.match(/file hash/);

    // The manifest's hash updated too: the record's own digest fails, and the manifest line's digest.
    writeFileSync(segFile, original);
    const manifest = path.join(orgDir, MANIFEST_FILE);
    const lines = readFileSync(manifest, 'utf8').split('\n');
    const altered = JSON.parse(lines[0]!);
    altered.bytes += 1;
    writeFileSync(manifest, [JSON.stringify(altered), ...lines.slice(1)].join('\n'));
    v = await verifyWithRedis();
    expect(v).to.include({ valid: false });
    expect(v.reason).to.match(/manifest line 1/);

    // Manifest cut to its first line (consistent on its own): Redis' sealed mark exposes it.
    writeFileSync(manifest, `${lines[0]}\n`);
    v = await verifyWithRedis();
    expect(v.valid).to.equal(false);
    expect(v.reason).to.match(/manifest on disk differs|live part/);
  });

  for (const step of ['segment-written', 'manifest-written', 'trimmed'] as SealStep[]) {
    it(`recovers a crash after "${step}" without losing or duplicating an entry`, async () => {
      await append(15);
      time.step(2 * 60 * 60_000);
      let crashes = 0;
      const crashing = sealer({
        fault: (s) => {
          if (s === step && crashes++ === 0) throw new Error(`crash after ${s}`);
        },
      });
      let thrown: unknown;
      await crashing.sealAll().catch((err: unknown) => (thrown = err));
      expect(String(thrown)).to.contain(`crash after ${step}`);
      // In between, an export still yields every entry exactly once.
      await expectWholeChain(15);
      await append(1);
      time.step(2 * 60 * 60_000);
      const again = await sealer().sealAll();
      expect(again.ran).to.equal(true);
      const orgDir = path.join(dir, ORG);
      const state = await readManifest(orgDir, ORG);
      expect(state.retained.map((s) => [s.firstSeq, s.lastSeq])).to.deep.equal([[1, 10], [11, 16]]);
      expect(readdirSync(orgDir).sort()).to.deep.equal([MANIFEST_FILE, ...state.retained.map((s) => s.file)].sort());
      expect(await redis.xlen(auditKeys(prefix, ORG).stream)).to.equal(0);
      expect(await verifyWithRedis()).to.include({ valid: true, entries: 16 });
      await expectWholeChain(16);
    });
  }

  it('repairs a manifest whose last line was torn by a crash mid-append', async () => {
    await append(12);
    time.step(2 * 60 * 60_000);
    await sealer().sealAll();
    const orgDir = path.join(dir, ORG);
    appendFileSync(path.join(orgDir, MANIFEST_FILE), '{"kind":"sealed","file":"0000');
    expect((await verifyOrganisationSegments(orgDir, ORG)).reason).to.match(/torn/);
    await append(1);
    time.step(2 * 60 * 60_000);
    await sealer().sealAll();
    expect(await verifyWithRedis()).to.include({ valid: true, entries: 13 });
  });

  it('deletes segments past retention with a manifest record, and the rest still verifies from its anchor', async () => {
    time.set('2010-01-01T00:00:00Z');
    await append(20);
    time.set('2026-03-01T10:00:00Z');
    await append(5);
    time.step(2 * 60 * 60_000);
    await sealer().sealAll();
    const orgDir = path.join(dir, ORG);
    const kept = (await readManifest(orgDir, ORG)).retained;
    expect(kept).to.have.length(3);

    let crashed = false;
    const withRetention = sealer({
      retentionYears: 10,
      fault: (s) => {
        if (s === 'retention-recorded' && !crashed) {
          crashed = true;
          throw new Error('crash after the deletion record');
        }
      },
    });
    await withRetention.sealAll().catch(() => {});
    // Recorded but the file is still there: the next pass removes it.
    expect(existsSync(path.join(orgDir, kept[0]!.file))).to.equal(true);
    const r = await withRetention.sealAll();
    expect(r.organisations[0]!.retention).to.deep.equal({ deletedSegments: 1, deletedEntries: 10 });
    const state = await readManifest(orgDir, ORG);
    expect(state.deleted.map((s) => s.file)).to.deep.equal([kept[0]!.file, kept[1]!.file]);
    expect(state.records.filter((x) => x.kind === 'deleted')).to.have.length(2);
    expect(readdirSync(orgDir).sort()).to.deep.equal([MANIFEST_FILE, kept[2]!.file].sort());

    const v = await verifyWithRedis();
    expect(v.reason).to.equal(undefined);
    expect(v).to.include({ valid: true, firstRetainedSeq: 21, anchor: kept[1]!.lastDigest, deletedSegments: 2, entries: 5 });
    const exported = await collect(exportUsageLog(log, { dir }, ORG));
    expect(exported.map((x) => x.seq)).to.deep.equal([21, 22, 23, 24, 25]);
    expect(verifyChain(exported.map((x) => canonicalJson(x)), { mode: 'range' })).to.include({ valid: true, anchor: kept[1]!.lastDigest });
  });

  it('lets only one of two racing sealers work, and the segment set is the same as one sealer makes', async () => {
    await append(35);
    time.step(2 * 60 * 60_000);
    const second = new Redis(server.url);
    try {
      const [a, b] = await Promise.all([sealer().sealAll(), sealer({}, second).sealAll()]);
      expect([a.ran, b.ran].filter(Boolean)).to.have.length(1);
      // Interleave more rounds with appends; whichever wins, the segments stay one chain.
      for (let i = 0; i < 4; i++) {
        await append(7);
        time.step(2 * 60 * 60_000);
        await Promise.all([sealer().sealAll(), sealer({}, second).sealAll()]);
      }
      await sealer().sealAll();
    } finally {
      await second.quit();
    }
    const state = await readManifest(path.join(dir, ORG), ORG);
    expect(state.lastSealedSeq).to.equal(63);
    expect(await verifyWithRedis()).to.include({ valid: true, entries: 63 });
    await expectWholeChain(63);
  });

  it('refuses to seal what does not continue the sealed chain', async () => {
    await append(12);
    time.step(2 * 60 * 60_000);
    await sealer().sealAll();
    // Someone deletes live entries in Redis behind the gateway's back.
    await append(3);
    time.step(2 * 60 * 60_000);
    const ids = await redis.xrange(auditKeys(prefix, ORG).stream, '-', '+');
    await redis.xdel(auditKeys(prefix, ORG).stream, ids[0]![0]);
    let code: unknown;
    await sealer().sealAll().catch((err: { code?: string }) => (code = err.code));
    expect(code).to.equal('AUDIT_SEGMENT_CHAIN_BROKEN');
    expect((await verifyWithRedis()).valid).to.equal(false);
  });

  it('kanta-gateway audit verify --segments checks the directory and, with --redis-url, the live part', async () => {
    await append(10);
    time.step(2 * 60 * 60_000);
    await append(4);
    await sealer().sealAll();
    const ok = await auditVerifySegmentsCommand(['--segments', dir, '--redis-url', server.url, '--prefix', prefix]);
    expect(ok.exitCode, ok.stdout + ok.stderr).to.equal(0);
    const report = JSON.parse(ok.stdout);
    expect(report.organisations[0]).to.include({ organisation: ORG, valid: true, entries: 10 });
    expect(report.organisations[0].live).to.include({ count: 4, firstSeq: 11, lastSeq: 14 });
    const segFile = path.join(dir, ORG, (await readManifest(path.join(dir, ORG), ORG)).retained[0]!.file);
    writeFileSync(segFile, gzipSync('{}\n'));
    const bad = await auditVerifySegmentsCommand(['--segments', dir]);
    expect(bad.exitCode).to.equal(1);
    expect((await auditVerifySegmentsCommand(['--segments'])).exitCode).to.equal(2);
    expect((await auditVerifySegmentsCommand(['--segments', dir, '--organisation', '../etc'])).exitCode).to.equal(2);
  });
});
