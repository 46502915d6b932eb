// AuditLog against a real redis-server: chaining, two-party entries, concurrency across two
// connections (standing in for two gateway processes), export by time and client, and that no hetu
// reaches Redis.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { freePort } from '../../queues/local-redis-server.ts';
import { AuditLog, type AuditEvent, type AuditRecord } from '../../gateway/audit/audit-log.ts';
import { canonicalJson, genesisDigest, verifyChain } from '../../gateway/audit/verify-chain.ts';
import { GatewayError } from '../../domain/errors.ts';
import { clientKey } from '../../gateway/routing/client-key.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';

const SECRET = 'audit-test-secret';
const REGION = '1.2.246.10.1001';
const PROVIDER = '1.2.246.10.2001';
const hetu = makeHetu(12, 8, 2012, 952);
const otherHetu = makeHetu(3, 4, 1985, 961);
const client = { root: '1.2.246.21', extension: hetu };

async function collect(it: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const ndjson = (records: AuditRecord[]) => records.map((r) => canonicalJson(r)).join('\n');

/** A clock the test moves by hand. */
function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso: string) => void (t = Date.parse(iso)), step: (ms: number) => void (t += ms) };
}

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  organisation: REGION,
  action: 'intake-accepted',
  actor: { kind: 'tenant', id: 't-region-a' },
  documentId: '1.2.246.10.1001.95.1',
  client,
  details: { operation: 'archive' },
  ...over,
});

describe('AuditLog (real Redis)', () => {
  const server = useRedis();
  let redis: Redis;
  let prefixN = 0;
  let prefix: string;
  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `aud${++prefixN}`;
  });

  it('chains appends from the organisation\'s genesis digest', async () => {
    const c = clock('2026-03-01T10:00:00.000Z');
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: c.now });
    expect(await log.head(REGION)).to.equal(undefined);
    const a = await log.append(event());
    c.step(1000);
    const b = await log.append(event({ action: 'archived', actor: { kind: 'system', id: 'pipeline' }, client: undefined, code: 'AA' }));
    expect(a).to.include({ seq: 1, at: '2026-03-01T10:00:00.000Z', organisation: REGION, prev: genesisDigest(REGION) });
    expect(a.clientKey).to.equal(clientKey(client, SECRET));
    expect(b).to.include({ seq: 2, prev: a.digest, code: 'AA' });
    expect(b.digest).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(await log.head(REGION)).to.deep.equal({ seq: 2, digest: b.digest });
    const exported = await collect(log.export(REGION));
    expect(exported).to.deep.equal([a, b]);
    expect(verifyChain(ndjson(exported), { expectedHead: { seq: 2, digest: b.digest } })).to.include({ valid: true, count: 2 });
  });

  it('writes a provider\'s action into both the controller\'s and the provider\'s chain', async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
    const rec = await log.append(event({ actingOrganisation: PROVIDER }));
    expect(rec).to.include({ organisation: REGION, actingOrganisation: PROVIDER });
    const [copy] = await collect(log.export(PROVIDER));
    expect(copy).to.include({ seq: 1, organisation: PROVIDER, controller: REGION, documentId: rec.documentId, clientKey: rec.clientKey });
    expect(copy).to.not.have.property('actingOrganisation');
    // Same organisation twice is one entry, not two.
    await log.append(event({ actingOrganisation: REGION }));
    expect((await log.head(REGION))!.seq).to.equal(2);
    expect((await log.head(PROVIDER))!.seq).to.equal(1);
  });

  it('keeps time monotonic inside a chain when a clock goes backwards', async () => {
    const c = clock('2026-03-01T10:00:05.000Z');
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: c.now });
    await log.append(event());
    c.set('2026-03-01T10:00:01.000Z');
    const second = await log.append(event());
    expect(second.at).to.equal('2026-03-01T10:00:05.000Z');
  });

  // Batches of 8 keep the race real (13 rounds per instance); the three-instance test below uses the default.
  for (const maxBatch of [1, 8]) {
    it(`200 concurrent appends from two instances on two connections form one gap-free valid chain (maxBatch ${maxBatch})`, async function () {
      this.timeout(20_000);
      const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        const a = new AuditLog(redis, { prefix, clientKeySecret: SECRET, maxBatch });
        const b = new AuditLog(redis2, { prefix, clientKeySecret: SECRET, maxBatch });
        const started = performance.now();
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(event({ documentId: `1.2.246.10.1001.95.${i + 1}`, details: { i } }))),
        );
        const ms = performance.now() - started;
        const seqs = results.map((r) => r.seq).sort((x, y) => x - y);
        expect(seqs).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
        const exported = await collect(a.export(REGION));
        expect(exported).to.have.length(200);
        expect(new Set(exported.map((r) => r.details!.i)).size).to.equal(200);
        const head = await b.head(REGION);
        expect(verifyChain(ndjson(exported), { expectedHead: head! })).to.include({ valid: true, count: 200, lastSeq: 200 });
        // Both instances started without a head, so the race was real: someone lost and retried.
        expect(a.conflicts + b.conflicts).to.be.greaterThan(0);
        expect(ms).to.be.below(10_000);
      } finally {
        await redis2.quit();
      }
    });
  }

  it('stays fair under sustained contention: a loser gets the next turn, so few attempts suffice', async function () {
    this.timeout(20_000);
    const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      // Without the turn claim the process that hears of its success first kept winning: 64 straight losses.
      const a = new AuditLog(redis, { prefix, clientKeySecret: SECRET, maxAttempts: 6 });
      const b = new AuditLog(redis2, { prefix, clientKeySecret: SECRET, maxAttempts: 6 });
      await Promise.all(Array.from({ length: 2000 }, (_, i) => (i % 2 ? a : b).append(event({ details: { i } }))));
      const exported = await collect(a.export(REGION));
      expect(verifyChain(ndjson(exported))).to.include({ valid: true, count: 2000 });
      expect(await redis.hmget(`${prefix}:audit:${REGION}:head`, 'claim', 'claimUntil')).to.deep.equal([null, null]);
    } finally {
      await redis2.quit();
    }
  });

  it("honours another process's turn until its time is up, and ignores one past its time (a holder that died)", async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
    await log.append(event());
    const head = `${prefix}:audit:${REGION}:head`;
    const [sec, usec] = await redis.time();
    const redisNowMs = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    await redis.hset(head, 'claim', 'a-dead-process', 'claimUntil', String(redisNowMs - 1));
    expect((await log.append(event())).seq).to.equal(2);
    expect(log.conflicts).to.equal(0);
    expect(await redis.hmget(head, 'claim', 'claimUntil')).to.deep.equal([null, null]);

    await redis.hset(head, 'claim', 'a-live-process', 'claimUntil', String(redisNowMs + 10_000));
    const waiting = log.append(event()).then(() => 'appended', (e: unknown) => (e as GatewayError).code);
    // 64 attempts a millisecond or more apart: the turn, 10 s long, outlasts them.
    expect(await waiting).to.equal('AUDIT_APPEND_CONTENDED');
    expect((await log.head(REGION))!.seq).to.equal(2);
    // Giving up gives back only its own turn, never another's.
    expect(await redis.hget(head, 'claim')).to.equal('a-live-process');
    await redis.hset(head, 'claimUntil', '0');
    expect((await log.append(event())).seq).to.equal(3);
  });

  it('gives up with AUDIT_APPEND_CONTENDED after its bounded attempts, writing nothing', async () => {
    const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      const a = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
      const b = new AuditLog(redis2, { prefix, clientKeySecret: SECRET, maxAttempts: 1 });
      await b.append(event());
      await a.append(event());
      // b still believes seq 1 is the head: its one conditional append must lose.
      const err = await b.append(event()).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as GatewayError).code).to.equal('AUDIT_APPEND_CONTENDED');
      expect((await a.head(REGION))!.seq).to.equal(2);
      // Having seen the current head in the refusal, the next append succeeds.
      expect((await b.append(event())).seq).to.equal(3);
    } finally {
      await redis2.quit();
    }
  });

  /** Calls per command since the last CONFIG RESETSTAT (commands inside scripts are counted too). */
  async function commandCalls(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) out[m[1]!] = Number(m[2]);
    return out;
  }

  it('group-commits the concurrent appends of one process: one script call per batch, each caller gets its own record', async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
    await log.append(event({ details: { i: -1 } }));
    await redis.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(event({ details: { i } }))));
    const calls = await commandCalls();
    // 200 waiting appends in batches of at most 64: 64 + 64 + 64 + 8, one read of the head and the turn
    // and one head write each.
    expect(calls).to.include({ hmget: 4, xadd: 200, hset: 4 });
    expect(calls).to.not.have.property('get');
    expect(calls).to.not.have.property('set');
    // Submission order is chain order, and each promise carries its own record.
    expect(results.map((r) => [r.seq, r.details!.i])).to.deep.equal(Array.from({ length: 200 }, (_, i) => [i + 2, i]));
    const exported = await collect(log.export(REGION));
    expect(exported.slice(1)).to.deep.equal(results);
    // The stored line is the record's canonical form, byte for byte.
    const raw = await redis.xrange(`${prefix}:audit:${REGION}`, '-', '+');
    expect(raw.slice(1).map(([, fields]) => fields[1])).to.deep.equal(results.map((r) => canonicalJson(r)));
    expect(raw.slice(1).map(([id]) => id)).to.deep.equal(results.map((r) => `${Date.parse(r.at)}-${r.seq}`));
    expect(verifyChain(ndjson(exported), { expectedHead: (await log.head(REGION))! })).to.include({ valid: true, count: 201 });
  });

  it('with maxBatch 1 writes every append with its own script call, as before group commit', async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, maxBatch: 1 });
    await redis.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(event({ details: { i } }))));
    expect(await commandCalls()).to.include({ xadd: 20, hset: 20 });
    expect(results.map((r) => r.seq)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(() => new AuditLog(redis, { prefix, clientKeySecret: SECRET, maxBatch: 0 })).to.throw(/maxBatch/);
  });

  it('batches from three instances on three connections, one with a clock 5 s behind, form one valid chain without loss or duplicates', async function () {
    this.timeout(30_000);
    const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1 });
    const redis3 = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      const logs = [
        new AuditLog(redis, { prefix, clientKeySecret: SECRET }),
        new AuditLog(redis2, { prefix, clientKeySecret: SECRET }),
        new AuditLog(redis3, { prefix, clientKeySecret: SECRET, now: () => new Date(Date.now() - 5000) }),
      ];
      await redis.config('RESETSTAT');
      // Waves, so batches of each instance meet the others' in flight, not just one burst each.
      const results: AuditRecord[] = [];
      for (let wave = 0; wave < 10; wave++) {
        results.push(...(await Promise.all(Array.from({ length: 300 }, (_, k) => logs[k % 3]!.append(event({ details: { i: wave * 300 + k } }))))));
      }
      const exported = await collect(logs[0]!.export(REGION));
      expect(exported).to.have.length(3000);
      expect(exported.map((r) => r.seq)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i + 1));
      expect(new Set(exported.map((r) => r.details!.i)).size).to.equal(3000);
      // Every caller's record is the one stored at its seq (none resolved with a record the chain lost).
      for (const r of results) expect(exported[r.seq - 1]).to.deep.equal(r);
      for (let i = 1; i < exported.length; i++) expect(exported[i]!.at >= exported[i - 1]!.at, `at of seq ${i + 1}`).to.equal(true);
      expect(verifyChain(ndjson(exported), { expectedHead: (await logs[1]!.head(REGION))! })).to.include({ valid: true, count: 3000 });
      expect(logs.reduce((n, l) => n + l.conflicts, 0)).to.be.greaterThan(0);
      // Group commit happened across the contention: far fewer head writes than records.
      expect((await commandCalls()).hset).to.be.below(1000);
      expect(await redis.hmget(`${prefix}:audit:${REGION}:head`, 'claim', 'claimUntil')).to.deep.equal([null, null]);
    } finally {
      await redis2.quit();
      await redis3.quit();
    }
  });

  it('a batch that exhausts its attempts rejects every caller in it with AUDIT_APPEND_CONTENDED, writing none', async () => {
    const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      const a = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
      const b = new AuditLog(redis2, { prefix, clientKeySecret: SECRET, maxAttempts: 1 });
      await b.append(event());
      await a.append(event());
      const errors = await Promise.all([1, 2, 3].map((i) => b.append(event({ details: { i } })).then(() => undefined, (e: unknown) => e as GatewayError)));
      expect(errors.map((e) => e?.code)).to.deep.equal(['AUDIT_APPEND_CONTENDED', 'AUDIT_APPEND_CONTENDED', 'AUDIT_APPEND_CONTENDED']);
      expect((await a.head(REGION))!.seq).to.equal(2);
      expect(await redis.hmget(`${prefix}:audit:${REGION}:head`, 'claim', 'claimUntil')).to.deep.equal([null, null]);
      const next = await Promise.all([4, 5].map((i) => b.append(event({ details: { i } }))));
      expect(next.map((r) => r.seq)).to.deep.equal([3, 4]);
      expect(verifyChain(ndjson(await collect(a.export(REGION)))).valid).to.equal(true);
    } finally {
      await redis2.quit();
    }
  });

  it('a batch that cannot reach Redis rejects every caller in it with QUEUE_UNAVAILABLE', async () => {
    // Nothing listens on the port; no reconnecting, no offline queue: every command fails at once.
    const closed = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    closed.on('error', () => {});
    const log = new AuditLog(closed, { prefix, clientKeySecret: SECRET });
    const errors = await Promise.all([1, 2, 3].map((i) => log.append(event({ details: { i } })).then(() => undefined, (e: unknown) => e as GatewayError)));
    expect(errors.map((e) => e?.code)).to.deep.equal(['QUEUE_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'QUEUE_UNAVAILABLE']);
    expect(await redis.exists(`${prefix}:audit:${REGION}:head`)).to.equal(0);
    closed.disconnect();
  });

  it('exports a time range as a contiguous slice that verifies in range mode', async () => {
    const c = clock('2026-03-01T10:00:00.000Z');
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: c.now });
    for (let i = 0; i < 10; i++) {
      await log.append(event({ details: { i } }));
      c.step(60_000);
    }
    const slice = await collect(log.export(REGION, { from: '2026-03-01T12:03:00+02:00', to: '2026-03-01T10:06:00.000Z' }));
    expect(slice.map((r) => r.seq)).to.deep.equal([4, 5, 6, 7]);
    expect(verifyChain(ndjson(slice), { mode: 'range' })).to.include({ valid: true, firstSeq: 4 });
    expect(verifyChain(ndjson(slice)).valid).to.equal(false);
    expect(await collect(log.export(REGION, { from: '2026-03-02T00:00:00Z' }))).to.deep.equal([]);
    expect((await collect(log.export(REGION, { to: '2026-03-01T10:00:00Z' }))).map((r) => r.seq)).to.deep.equal([1]);
    expect((await collect(log.export(REGION, { upToSeq: 3 }))).map((r) => r.seq)).to.deep.equal([1, 2, 3]);
  });

  it('pages through long chains', async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, pageSize: 7 });
    for (let i = 0; i < 30; i++) await log.append(event({ details: { i } }));
    const all = await collect(log.export(REGION));
    expect(all.map((r) => r.seq)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyChain(ndjson(all)).valid).to.equal(true);
  });

  it('exports one client\'s entries, including queue entries about that client\'s documents', async () => {
    const c = clock('2026-03-01T10:00:00.000Z');
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET, now: c.now });
    const other = { root: '1.2.246.21', extension: otherHetu };
    await log.append(event({ documentId: '1.2.246.10.1001.95.1' }));
    c.step(1000);
    await log.append(event({ documentId: '1.2.246.10.1001.95.2', client: other }));
    c.step(1000);
    // The queue knows documents, not clients.
    await log.append(event({ action: 'archived', actor: { kind: 'system', id: 'pipeline' }, documentId: '1.2.246.10.1001.95.2', client: undefined }));
    c.step(1000);
    await log.append(event({ action: 'archived', actor: { kind: 'system', id: 'pipeline' }, documentId: '1.2.246.10.1001.95.1', client: undefined }));
    c.step(1000);
    await log.append(event({ action: 'right-set', documentId: undefined }));

    const mine = await collect(log.export(REGION, { client }));
    expect(mine.map((r) => r.seq)).to.deep.equal([1, 4, 5]);
    expect(verifyChain(ndjson(mine), { mode: 'sparse' }).valid).to.equal(true);
    const theirs = await collect(log.export(REGION, { client: other }));
    expect(theirs.map((r) => r.seq)).to.deep.equal([2, 3]);
    // Combined with a range: the intake entry lies before it, the archived entry is still found.
    const late = await collect(log.export(REGION, { client, from: '2026-03-01T10:00:02Z' }));
    expect(late.map((r) => r.seq)).to.deep.equal([4, 5]);
  });

  it('refuses bad events and bounds with coded errors that never repeat the value', async () => {
    const log = new AuditLog(redis, { prefix, clientKeySecret: SECRET });
    const cases: Array<[Partial<AuditEvent>, RegExp]> = [
      [{ organisation: 'not-an-oid' }, /organisation/],
      [{ action: 'deleted' as never }, /action/],
      [{ actor: { kind: 'robot' as never, id: 'x' } }, /actor.kind/],
      [{ actor: { kind: 'tenant', id: hetu } }, /actor.id/],
      [{ code: `X${hetu}` }, /code/],
      [{ details: { note: `client ${hetu}` } }, /details.note looks like a personal identity code/],
      [{ details: { nested: {} as never } }, /details.nested/],
      [{ documentId: hetu }, /documentId/],
    ];
    for (const [over, message] of cases) {
      const err = await log.append(event(over)).then(() => undefined, (e: unknown) => e as GatewayError);
      expect(err?.code, JSON.stringify(message.source)).to.equal('REQUEST_INVALID');
      expect(err!.message).to.match(message);
      expect(err!.message).to.not.contain(hetu);
    }
    expect(await log.head(REGION)).to.equal(undefined);
    // A UUID whose groups are digits is not a hetu.
    const ok = await log.append(event({ details: { submissionId: '12345678-1234-4234-8234-123456789012' } }));
    expect(ok.seq).to.equal(1);
    for (const range of [{ from: 'yesterday' }, { to: '2026-03-01T10:00:00' }, { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }]) {
      const err = await collect(log.export(REGION, range)).then(() => undefined, (e: unknown) => e as GatewayError);
      expect(err?.code).to.equal('REQUEST_INVALID');
    }
  });

  it('never stores a hetu: every key and value in Redis is scanned', async () => {
    const log = new AuditLog(redis, { prefix: 'hetuscan', clientKeySecret: SECRET });
    const others = [makeHetu(1, 1, 1990, 901), makeHetu(29, 2, 2004, 999)];
    for (const h of [hetu, ...others]) {
      await log.append(event({ client: { root: '1.2.246.21', extension: h }, actingOrganisation: PROVIDER }));
      await log.append(event({ action: 'right-read', client: { root: '1.2.246.21', extension: h }, documentId: undefined }));
    }
    const dump: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        dump.push(key);
        const type = await redis.type(key);
        if (type === 'stream') for (const [id, fields] of await redis.xrange(key, '-', '+')) dump.push(id, ...fields);
        else if (type === 'hash') dump.push(...Object.entries(await redis.hgetall(key)).flat());
        else if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'list') dump.push(...(await redis.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(...(await redis.smembers(key)));
        else if (type === 'zset') dump.push(...(await redis.zrange(key, '0', '-1')));
        else throw new Error(`unexpected key type ${type}`);
      }
    } while (cursor !== '0');
    const text = dump.join('\n');
    // Positive control: the scan did see the log, pseudonyms included.
    expect(text).to.contain(clientKey({ root: '1.2.246.21', extension: hetu }, SECRET));
    expect(text).to.contain('hetuscan:audit:1.2.246.10.2001');
    for (const h of [hetu, ...others]) expect(text).to.not.contain(h);
    expect(text).to.not.match(/(?<![0-9A-Za-z])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])/);
  });
});
