import { expect } from 'chai';
import { MicroBatcher } from '../../queues/micro-batcher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recording<I, O>(fn: (i: I) => Promise<O>, opts: { size: number; waitMs: number }) {
  const batches: I[][] = [];
  const batcher = new MicroBatcher<I, O>(opts, async (items) => {
    batches.push([...items]);
    return Promise.allSettled(items.map(fn));
  });
  return { batcher, batches };
}

describe('queues/micro-batcher', () => {
  it('flushes as soon as `size` items wait, without waiting for the timer', async () => {
    const { batcher, batches } = recording(async (n: number) => n * 2, { size: 3, waitMs: 10_000 });
    const t0 = Date.now();
    const out = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(Date.now() - t0).to.be.below(1_000);
    expect(out).to.deep.equal([2, 4, 6]);
    expect(batches).to.deep.equal([[1, 2, 3]]);
  });

  it('splits a burst into batches of `size` in submission order', async () => {
    const { batcher, batches } = recording(async (n: number) => n, { size: 2, waitMs: 10_000 });
    const out = await Promise.all([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(out).to.deep.equal([1, 2, 3, 4]);
    expect(batches).to.deep.equal([[1, 2], [3, 4]]);
  });

  it('flushes a partial batch after waitMs from the first item', async () => {
    const { batcher, batches } = recording(async (n: number) => n, { size: 10, waitMs: 60 });
    const t0 = Date.now();
    const p1 = batcher.submit(1);
    await sleep(20);
    const p2 = batcher.submit(2);
    await sleep(10);
    expect(batches).to.deep.equal([]);
    expect(await Promise.all([p1, p2])).to.deep.equal([1, 2]);
    const waited = Date.now() - t0;
    expect(waited).to.be.at.least(55);
    expect(waited).to.be.below(1_000);
    expect(batches).to.deep.equal([[1, 2]]);
  });

  it('gives each caller its own result or error: one bad item does not fail its neighbours', async () => {
    const { batcher } = recording(
      async (n: number) => {
        if (n === 2) throw new Error('bad item 2');
        return `ok ${n}`;
      },
      { size: 3, waitMs: 10 },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(settled[0]).to.deep.equal({ status: 'fulfilled', value: 'ok 1' });
    expect(settled[1]!.status).to.equal('rejected');
    expect((settled[1] as PromiseRejectedResult).reason.message).to.equal('bad item 2');
    expect(settled[2]).to.deep.equal({ status: 'fulfilled', value: 'ok 3' });
  });

  it('rejects every item of a batch whose runner throws as a whole', async () => {
    const batcher = new MicroBatcher<number, number>({ size: 2, waitMs: 10 }, async () => {
      throw new Error('signer down');
    });
    const settled = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected']);
  });

  it('starts a new timer for items after a flush', async () => {
    const { batcher, batches } = recording(async (n: number) => n, { size: 10, waitMs: 20 });
    await batcher.submit(1);
    await batcher.submit(2);
    expect(batches).to.deep.equal([[1], [2]]);
  });
});
