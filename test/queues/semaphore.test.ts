import { expect } from 'chai';
import { Semaphore } from '../../queues/semaphore.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('queues/semaphore', () => {
  it('lets `n` holders in at once and queues the rest', async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    let third = false;
    void s.acquire().then(() => (third = true));
    await tick();
    expect(third).to.equal(false);
    expect(s.waiting).to.equal(1);
    s.release();
    await tick();
    expect(third).to.equal(true);
    expect(s.waiting).to.equal(0);
  });

  it('serves waiters first in, first out', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const order: string[] = [];
    const names = ['a1', 'b1', 'a2', 'c1', 'b2'];
    const done = names.map((n) => s.acquire().then(() => order.push(n)));
    await tick();
    expect(s.waiting).to.equal(5);
    for (let i = 0; i < names.length; i++) {
      s.release();
      await tick();
      expect(order).to.deep.equal(names.slice(0, i + 1));
    }
    await Promise.all(done);
  });

  it('run() bounds concurrency and releases on error too', async () => {
    const s = new Semaphore(3);
    let inFlight = 0;
    let max = 0;
    const work = async (i: number) =>
      s.run(async () => {
        inFlight += 1;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        if (i % 4 === 0) throw new Error(`job ${i}`);
        return i;
      });
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => work(i)));
    expect(max).to.equal(3);
    expect(settled.filter((r) => r.status === 'rejected')).to.have.length(5);
    // All slots came back: three immediate acquisitions succeed.
    await Promise.all([s.acquire(), s.acquire(), s.acquire()]);
    expect(s.waiting).to.equal(0);
  });
});
