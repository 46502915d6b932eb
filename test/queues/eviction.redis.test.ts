// A Redis that evicts keys can silently drop a document's bytes or state: the gateway refuses it.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PassThrough } from 'node:stream';
import { errorCodeOf } from '../../domain/errors.ts';
import { createLogger } from '../../gateway/logger.ts';
import { assertNoEviction } from '../../queues/redis-eviction.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';

describe('queues: refusing an evicting Redis', function () {
  this.timeout(20_000);
  const servers: LocalRedis[] = [];
  const clients: Redis[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function connect(policy?: string): Promise<Redis> {
    const server = await startLocalRedis(policy ? { args: ['--maxmemory-policy', policy] } : {});
    servers.push(server);
    const client = new Redis(server.url);
    clients.push(client);
    return client;
  }

  function capture() {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (b: Buffer) => (text += b.toString()));
    return { logger: createLogger({ stream }), text: () => text };
  }

  it('accepts noeviction', async () => {
    const redis = await connect();
    await assertNoEviction(redis, false, createLogger({ silent: true }));
  });

  for (const policy of ['allkeys-lru', 'volatile-ttl']) {
    it(`refuses ${policy} with QUEUE_REDIS_EVICTING, naming the policy`, async () => {
      const redis = await connect(policy);
      let caught: unknown;
      try {
        await assertNoEviction(redis, false, createLogger({ silent: true }));
      } catch (err) {
        caught = err;
      }
      expect(errorCodeOf(caught)).to.equal('QUEUE_REDIS_EVICTING');
      expect((caught as Error).message).to.contain(policy);
    });
  }

  it('allows an evicting Redis only when allowEvictingRedis is set, with a warning', async () => {
    const redis = await connect('allkeys-lru');
    const { logger, text } = capture();
    await assertNoEviction(redis, true, logger);
    await new Promise((r) => setImmediate(r));
    expect(text()).to.match(/"level":"warn"/);
    expect(text()).to.contain('allkeys-lru');
  });
});
