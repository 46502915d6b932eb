// Rights learned from an asiakkuusasiakirja at intake are pending until the archive acknowledges that
// document: AA brings them into force; a refusal (rejected or parked) withdraws them and the state
// before them returns; a successful rerun reinstates them unless a later version came meanwhile.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { useRedis } from '../helpers/redis.ts';
import { ORG, UNIT } from './fixture.ts';

describe('RegistryRightStore: pending rights settle on the archive outcome (real Redis)', () => {
  const server = useRedis();
  let redis: Redis;
  let store: RegistryRightStore;
  let n = 0;
  let client: { root: string; extension: string };
  const set = '1.2.246.10.1001.600.1';
  const at = new Date('2026-03-01T08:00:00Z');
  const learn = (versionNumber: number, start: string, pending = true) =>
    store.learnFromDocument({ organizer: ORG.regionA, client, setId: set, versionNumber, documentId: `${set}.${versionNumber}`, entries: { '24': [{ unit: UNIT.provD1, start }] }, at, pending });
  const settle = (versionNumber: number, outcome: 'archived' | 'refused') => store.settle({ organizer: ORG.regionA, client, documentId: `${set}.${versionNumber}`, outcome, at: new Date('2026-03-02T08:00:00Z') });
  const current = () => store.current(ORG.regionA, client);

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    store = new RegistryRightStore(redis, { prefix: 'settle', clientKeySecret: 'store-secret' });
  });
  beforeEach(() => {
    n += 1;
    client = { root: '1.2.246.21', extension: makeHetu(3, 4, 2015, 900 + n) };
  });
  after(async () => {
    await redis.quit();
  });

  it('keeps a learned right pending until AA, then in force with its AA time', async () => {
    await learn(1, '2026-02-01');
    expect(await current()).to.include({ pending: true });
    expect(await settle(1, 'archived')).to.equal('confirmed');
    const cur = (await current())!;
    expect(cur.pending).to.equal(undefined);
    expect(cur.previous).to.equal(undefined);
    expect(cur.effectiveAt).to.equal('2026-03-02T08:00:00.000Z');
    expect(cur.entries).to.deep.equal({ '24': [{ unit: UNIT.provD1, start: '2026-02-01' }] });
    expect(await settle(1, 'archived')).to.equal('none');
  });

  it('withdraws a refused first right entirely: no state, and the set can be learned again', async () => {
    await learn(1, '2026-02-01');
    expect(await settle(1, 'refused')).to.equal('withdrawn');
    expect(await current()).to.equal(undefined);
    expect((await store.history(ORG.regionA, client)).at(-1)).to.include({ withdrawn: true });
    expect(await learn(1, '2026-02-05')).to.deep.equal({ applied: true });
  });

  it('brings back the confirmed state a refused new version replaced, and reopens the version gate', async () => {
    await learn(1, '2026-02-01');
    await settle(1, 'archived');
    await learn(2, '2026-02-10');
    expect((await current())!.source).to.include({ versionNumber: 2 });
    expect(await settle(2, 'refused')).to.equal('withdrawn');
    const back = (await current())!;
    expect(back.source).to.include({ versionNumber: 1 });
    expect(back.pending).to.equal(undefined);
    expect(back.entries).to.deep.equal({ '24': [{ unit: UNIT.provD1, start: '2026-02-01' }] });
    expect(await learn(2, '2026-02-11')).to.deep.equal({ applied: true });
  });

  it('reinstates withdrawn rights when a rerun of the document is archived, unless a later version came since', async () => {
    await learn(1, '2026-02-01');
    await settle(1, 'refused');
    expect(await settle(1, 'archived')).to.equal('reinstated');
    expect((await current())!.source).to.include({ versionNumber: 1 });
    expect((await current())!.pending).to.equal(undefined);

    await learn(2, '2026-02-10');
    await settle(2, 'refused');
    await learn(3, '2026-02-20');
    expect(await settle(2, 'archived')).to.equal('superseded');
    expect((await current())!.source).to.include({ versionNumber: 3 });
  });

  it('does not touch a state that a later document replaced; a refused later version gives back the earlier, still pending one', async () => {
    await learn(1, '2026-02-01');
    await learn(2, '2026-02-10');
    expect(await settle(1, 'refused')).to.equal('none');
    expect((await current())!.source).to.include({ versionNumber: 2 });
    await learn(3, '2026-02-20');
    expect(await settle(3, 'refused')).to.equal('withdrawn');
    expect(await current()).to.include({ pending: true });
    expect((await current())!.source).to.include({ versionNumber: 2 });
    expect(await settle(2, 'archived')).to.equal('confirmed');
    expect((await current())!.pending).to.equal(undefined);
  });

  it('learns rights without pending (Kanta query answers, the API) in force at once', async () => {
    await learn(1, '2026-02-01', false);
    expect((await current())!.pending).to.equal(undefined);
  });
});
