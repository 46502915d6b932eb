import { expect } from 'chai';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { SharedRateLimiter, windowFor } from '../../queues/shared-rate-limiter.ts';
import { useRedis } from '../helpers/redis.ts';

describe('queues/shared-rate-limiter (real Redis)', function () {
  this.timeout(30_000);
  const server = useRedis();
  const connections: Redis[] = [];
  const connect = () => {
    const r = new Redis(server.url, { maxRetriesPerRequest: null });
    connections.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((r) => r.quit()));
  });

  it('two limiters on separate connections (two processes) together stay within one rate', async () => {
    const prefix = `r${randomUUID().slice(0, 8)}`;
    const rate = 40;
    // Two gateway processes' limiters for the same access point, each with its own Redis connection.
    const a = new SharedRateLimiter(connect(), { prefix, accessPoint: 'ap', ratePerSecond: rate });
    const b = new SharedRateLimiter(connect(), { prefix, accessPoint: 'ap', ratePerSecond: rate });
    const perLimiter = 60; // 120 in all: three windows' worth at 40 per window
    const t0 = performance.now();
    const times: number[] = [];
    await Promise.all([a, b].flatMap((l) => Array.from({ length: perLimiter }, () => l.take().then(() => times.push(performance.now() - t0)))));
    times.sort((x, y) => x - y);
    // Per-process limits would let all 120 through within the first window (60 each under 40/s + burst):
    // a shared one needs at least two more windows after the first.
    expect(times.at(-1)).to.be.at.least(1_900);
    // No span of one window holds more than one window's count… plus the next window's (fixed windows).
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1_000).length;
      expect(inWindow).to.be.at.most(2 * rate);
    }
    // …and the first window, opened by the first take, admitted exactly its count.
    expect(times.filter((t) => t < times[0]! + 900).length).to.equal(rate);
  });

  it('keeps access points apart', async () => {
    const prefix = `r${randomUUID().slice(0, 8)}`;
    const redis = connect();
    const a = new SharedRateLimiter(redis, { prefix, accessPoint: 'ap1', ratePerSecond: 5 });
    const b = new SharedRateLimiter(redis, { prefix, accessPoint: 'ap2', ratePerSecond: 5 });
    await Promise.all([...Array.from({ length: 5 }, () => a.take()), ...Array.from({ length: 5 }, () => b.take())]);
    // One counter per access point, each holding its own five.
    expect(await redis.get(`${prefix}:rate:ap1`)).to.equal('5');
    expect(await redis.get(`${prefix}:rate:ap2`)).to.equal('5');
  });

  it('turns a rate into whole-second windows that never exceed it on average', () => {
    expect(windowFor(40)).to.deep.equal({ points: 40, durationSeconds: 1 });
    expect(windowFor(2.5)).to.deep.equal({ points: 2, durationSeconds: 1 });
    expect(windowFor(0.5)).to.deep.equal({ points: 1, durationSeconds: 2 });
    expect(windowFor(0.3)).to.deep.equal({ points: 1, durationSeconds: 4 });
    expect(() => windowFor(0)).to.throw(RangeError);
  });
});
