import { expect } from 'chai';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { RoutingJournal, toJournalEntry } from '../../gateway/registry-rights/routing-journal.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { ORG, UNIT, meta } from './fixture.ts';

describe('RegistryRightStore (real Redis)', () => {
  const server = useRedis();
  let redis: Redis;
  let store: RegistryRightStore;
  const hetu = makeHetu(3, 4, 2015, 944);
  const client = { root: '1.2.246.21', extension: hetu };
  const set = '1.2.246.10.1001.500.1';
  const learn = (versionNumber: number, start: string, at: string) =>
    store.learnFromDocument({
      organizer: ORG.regionA,
      client,
      setId: set,
      versionNumber,
      documentId: `${set}.${versionNumber}`,
      entries: { '24': [{ unit: UNIT.provD1, start }] },
      at: new Date(at),
    });

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    store = new RegistryRightStore(redis, { prefix: 'test', clientKeySecret: 'store-secret' });
  });
  after(async () => {
    await redis.quit();
  });

  it('has no state for an unknown client', async () => {
    expect(await store.current(ORG.regionA, { root: '1.2.246.21', extension: makeHetu(1, 1, 2001, 901) })).to.equal(undefined);
  });

  it('applies the latest version and ignores a lower one arriving later', async () => {
    expect(await learn(2, '2026-02-01', '2026-02-01T08:00:00Z')).to.deep.equal({ applied: true });
    expect(await learn(1, '2026-01-01', '2026-02-02T08:00:00Z')).to.deep.equal({ applied: false });
    expect(await learn(2, '2026-01-15', '2026-02-02T08:00:00Z')).to.deep.equal({ applied: false });
    const cur = await store.current(ORG.regionA, client);
    expect(cur?.entries).to.deep.equal({ '24': [{ unit: UNIT.provD1, start: '2026-02-01' }] });
    expect(cur?.source).to.deep.equal({ kind: 'document', documentId: `${set}.2`, setId: set, versionNumber: 2 });
    expect(await learn(3, '2026-03-01', '2026-03-01T08:00:00Z')).to.deep.equal({ applied: true });
    expect((await store.current(ORG.regionA, client))?.entries['24']?.[0]?.start).to.equal('2026-03-01');
  });

  it('keeps every change in the history with its effective time, and an API put on top', async () => {
    await store.put({ organizer: ORG.regionA, client, entries: { '24': [{ unit: UNIT.provD1, start: '2026-03-01', end: '2026-04-30' }] }, at: new Date('2026-04-01T10:00:00Z'), by: 't-region-a' });
    const hist = await store.history(ORG.regionA, client);
    expect(hist.map((h) => [h.effectiveAt, h.source.kind])).to.deep.equal([
      ['2026-02-01T08:00:00.000Z', 'document'],
      ['2026-03-01T08:00:00.000Z', 'document'],
      ['2026-04-01T10:00:00.000Z', 'api'],
    ]);
    expect((await store.current(ORG.regionA, client))?.source).to.deep.equal({ kind: 'api', by: 't-region-a' });
    expect(await store.organizersOf(client)).to.deep.equal([ORG.regionA]);
  });

  it('never stores the hetu', async () => {
    const keys = await redis.keys('*');
    for (const k of keys) {
      expect(k).to.not.contain(hetu);
      const type = await redis.type(k);
      const values = type === 'string' ? [await redis.get(k)] : type === 'list' ? await redis.lrange(k, 0, -1) : type === 'hash' ? Object.entries(await redis.hgetall(k)).flat() : await redis.smembers(k);
      for (const v of values) expect(v ?? '').to.not.contain(hetu);
    }
  });

  it('refuses malformed arguments with a code', async () => {
    try {
      await store.learnFromDocument({ organizer: 'not-an-oid', client, setId: set, versionNumber: 1, documentId: set, entries: {}, at: new Date() });
      expect.fail('should refuse');
    } catch (err) {
      expect((err as { code: string }).code).to.equal('REQUEST_INVALID');
    }
  });

  describe('RoutingJournal', () => {
    it('keeps the newest max entries, routing fields only, client as pseudonym', async () => {
      const journal = new RoutingJournal(redis, { prefix: 'test', max: 3 });
      for (let i = 0; i < 5; i++) {
        const m = { ...meta({ documentDate: `2026-03-0${i + 1}` }), client, effectiveTime: '20260301120000+0200', signatures: [] };
        await journal.record(
          toJournalEntry({
            at: new Date(`2026-03-0${i + 1}T10:00:00Z`),
            tenantId: 't-prov-d',
            operation: 'archive',
            meta: m,
            decision: { accepted: false, code: 'RIGHT_NOT_FOUND', ruleId: 'R-RIGHT-LISTED', message: 'x', configVersion: 'v1' },
            clientKeySecret: 'store-secret',
          }),
        );
      }
      const recent = await journal.recent();
      expect(recent.map((e) => e.meta.documentDate)).to.deep.equal(['2026-03-05', '2026-03-04', '2026-03-03']);
      expect(await journal.recent(1)).to.have.length(1);
      expect(recent[0]!.clientKey).to.equal(store.clientKey(client));
      expect(JSON.stringify(recent)).to.not.contain(hetu);
      expect(recent[0]!.meta).to.not.have.any.keys('client', 'effectiveTime', 'signatures');
    });

    const entryOn = (day: number) =>
      toJournalEntry({
        at: new Date(Date.UTC(2026, 2, day, 10)),
        tenantId: 't-prov-d',
        operation: 'archive',
        meta: { ...meta({ documentDate: `2026-03-${String(day).padStart(2, '0')}` }), client },
        decision: { accepted: false, code: 'RIGHT_NOT_FOUND', ruleId: 'R-RIGHT-LISTED', message: 'x', configVersion: 'v1' },
        clientKeySecret: 'store-secret',
      });

    it('writes concurrently recorded entries as one LPUSH and one LTRIM, newest first, each caller awaiting its own', async () => {
      const journal = new RoutingJournal(redis, { prefix: 'batch', max: 4 });
      await journal.record(entryOn(1));
      await redis.config('RESETSTAT');
      const pending = Array.from({ length: 10 }, (_, i) => journal.record(entryOn(i + 2)));
      // An entry recorded while that batch is in flight goes with the next one.
      await Promise.resolve();
      const late = journal.record(entryOn(12));
      await Promise.all([...pending, late]);
      const calls = Object.fromEntries([...(await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
      expect(calls).to.include({ lpush: 2, ltrim: 2 });
      expect(calls).to.not.have.any.keys('multi', 'exec', 'evalsha', 'eval');
      expect((await journal.recent()).map((e) => e.meta.documentDate)).to.deep.equal(['2026-03-12', '2026-03-11', '2026-03-10', '2026-03-09']);
      expect(await redis.llen('batch:routing:journal')).to.equal(4);
    });

    it('fails every caller of a batch Redis refuses, and the next batch goes through', async () => {
      const journal = new RoutingJournal(redis, { prefix: 'wrongtype', max: 4 });
      await redis.set('wrongtype:routing:journal', 'not a list');
      const errors = await Promise.all([1, 2].map((d) => journal.record(entryOn(d)).then(() => undefined, (e: Error) => e.message)));
      expect(errors).to.have.length(2);
      for (const m of errors) expect(m).to.match(/WRONGTYPE/);
      await redis.del('wrongtype:routing:journal');
      await journal.record(entryOn(3));
      expect((await journal.recent()).map((e) => e.meta.documentDate)).to.deep.equal(['2026-03-03']);
    });
  });
});
