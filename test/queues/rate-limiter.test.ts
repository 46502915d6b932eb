import { expect } from 'chai';
import { TokenBucket } from '../../queues/rate-limiter.ts';

describe('queues/rate-limiter', () => {
  it('lets a burst through at once, then paces to the rate', async () => {
    const bucket = new TokenBucket(50, 5);
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 15 }, () => bucket.take().then(() => times.push(performance.now() - started))));
    times.sort((a, b) => a - b);
    expect(times[4]).to.be.below(15); // the burst of 5
    // 10 more at 50/s need at least ~200 ms; generous upper bound for a loaded machine.
    expect(times[14]).to.be.at.least(180).and.below(1_000);
  });

  it('serves waiters in arrival order', async () => {
    const bucket = new TokenBucket(100, 1);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).to.deep.equal([0, 1, 2, 3]);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucket(0)).to.throw(RangeError);
  });
});
