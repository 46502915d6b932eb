// GroupCommit with a write the test completes by hand, so which items share a batch is deterministic.
import { expect } from 'chai';
import { GroupCommit } from '../../gateway/group-commit.ts';

interface Call {
  items: number[];
  done: (results?: string[]) => void;
  fail: (err: Error) => void;
}

function harness(maxBatch: number) {
  const calls: Call[] = [];
  let idle = 0;
  const gc = new GroupCommit<number, string>(
    (items) =>
      new Promise<string[]>((resolve, reject) => {
        calls.push({ items, done: (results) => resolve(results ?? items.map((i) => `r${i}`)), fail: reject });
      }),
    maxBatch,
    () => void (idle += 1),
  );
  return { gc, calls, idle: () => idle };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('sends items of one tick together, and items arriving during a write as the next batch', async () => {
    const { gc, calls, idle } = harness(64);
    const first = [gc.submit(1), gc.submit(2)];
    await settle();
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2]]);
    // In flight: these wait, however many writes could have gone out meanwhile.
    const later = [gc.submit(3), gc.submit(4), gc.submit(5)];
    await settle();
    expect(calls).to.have.length(1);
    calls[0]!.done();
    expect(await Promise.all(first)).to.deep.equal(['r1', 'r2']);
    await settle();
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2], [3, 4, 5]]);
    expect(idle()).to.equal(0);
    calls[1]!.done();
    expect(await Promise.all(later)).to.deep.equal(['r3', 'r4', 'r5']);
    await settle();
    expect(idle()).to.equal(1);
  });

  it('bounds a batch by maxBatch and keeps submission order across batches', async () => {
    const { gc, calls } = harness(2);
    const all = [1, 2, 3, 4, 5].map((i) => gc.submit(i));
    for (let n = 0; n < 3; n++) {
      await settle();
      calls[n]!.done();
    }
    expect(await Promise.all(all)).to.deep.equal(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2], [3, 4], [5]]);
  });

  it('rejects every caller of a failed batch with its error, and goes on with the next batch', async () => {
    const { gc, calls } = harness(64);
    const failed = [gc.submit(1), gc.submit(2)].map((p) => p.then(() => 'resolved', (e: Error) => e.message));
    await settle();
    const next = gc.submit(3);
    calls[0]!.fail(new Error('redis down'));
    expect(await Promise.all(failed)).to.deep.equal(['redis down', 'redis down']);
    await settle();
    calls[1]!.done();
    expect(await next).to.equal('r3');
  });

  it('refuses a write that answers for a different number of items', async () => {
    const { gc, calls } = harness(64);
    const p = gc.submit(1).then(() => 'resolved', (e: Error) => e.message);
    await settle();
    calls[0]!.done(['a', 'b']);
    expect(await p).to.match(/2 results for 1 items/);
  });

  it('with maxBatch 1 writes one item at a time', async () => {
    const { gc, calls } = harness(1);
    const all = [gc.submit(1), gc.submit(2)];
    await settle();
    expect(calls.map((c) => c.items)).to.deep.equal([[1]]);
    calls[0]!.done();
    await settle();
    expect(calls.map((c) => c.items)).to.deep.equal([[1], [2]]);
    calls[1]!.done();
    expect(await Promise.all(all)).to.deep.equal(['r1', 'r2']);
    expect(() => new GroupCommit(async (x: number[]) => x, 0)).to.throw(RangeError);
  });
});
