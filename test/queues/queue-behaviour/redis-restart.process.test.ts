// Queue guarantees proven with real processes (test/helpers/process-world.ts): Redis restart during a load.
import { expect } from 'chai';
import path from 'node:path';
import { startLocalRedis } from '../../../queues/local-redis-server.ts';
import { ownDoc, startWorld, stopWorld, submitAll, waitUntil, type World } from '../../helpers/process-world.ts';

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('Redis restart during a load', () => {
    let w: World;
    before(async () => {
      // A short sweep interval: documents whose enqueue was lost with a Redis reply are found sooner.
      w = await startWorld('redis', (c) => void (c.queues = { ...c.queues, sweepIntervalMs: 5_000, lockDurationMs: 5_000 }));
    });
    after(() => stopWorld(w));

    it('loses nothing that was accepted (AOF), and drains after Redis is back', async () => {
      const docs = Array.from({ length: 200 }, () => ownDoc('perhe'));
      const load = submitAll(w.gateway.url, w.cfg.tokens.perhe, docs, 8);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 20, 60_000, 'load under way');
      const { port } = w.redis;
      await w.redis.stop(); // SIGTERM: Redis flushes its AOF and exits
      await new Promise((r) => setTimeout(r, 1_500));
      w.redis = await startLocalRedis({ dir: path.join(w.dir, 'redis'), appendOnly: true, port });
      const statuses = await load;
      expect(statuses.every((s) => s === 202 || s === 200)).to.equal(true);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 200, 120_000, 'all archived after the Redis restart');
      const ids = (await w.double.inspect()).archived.map((a) => a.documentId);
      expect(new Set(ids)).to.deep.equal(new Set(docs.map((d) => d.documentId)));
    });
  });
});
