// Queue guarantees proven with real processes (test/helpers/process-world.ts): crash during sending.
import { expect } from 'chai';
import { statusOf } from '../../../gateway/client/gateway-client.ts';
import { ownDoc, startWorld, stopWorld, submitAll, waitUntil, type World } from '../../helpers/process-world.ts';
import { startGatewayProcess } from '../../helpers/processes.ts';

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('crash during sending', () => {
    let w: World;
    before(async () => {
      // A short job lock: the documents the killed process held are picked up again within about
      // twice this (config/schema.ts lockDurationMs), instead of waiting out the 15 s default.
      w = await startWorld('crash', (c) => void (c.queues = { ...c.queues, lockDurationMs: 5_000 }));
    });
    after(() => stopWorld(w));

    it('after kill -9 and a restart, every document is archived exactly once', async () => {
      const docs = Array.from({ length: 300 }, () => ownDoc('perhe'));
      const statuses = await submitAll(w.gateway.url, w.cfg.tokens.perhe, docs);
      expect(statuses.every((s) => s === 202)).to.equal(true);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 40, 60_000, 'sending under way');
      await w.gateway.kill('SIGKILL');
      const atCrash = (await w.double.inspect()).archived.length;
      expect(atCrash).to.be.below(300, 'the crash must happen mid-load');
      w.gateway = await startGatewayProcess(w.cfg.configFile, w.cfg.port);
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 300, 120_000, 'all archived after restart');
      const inspect = await w.double.inspect();
      const ids = inspect.archived.map((a) => a.documentId);
      expect(new Set(ids).size).to.equal(ids.length, 'no document stored twice');
      expect(new Set(ids)).to.deep.equal(new Set(docs.map((d) => d.documentId)));
      // A resend after the crash may meet a document the archive already has: it is answered
      // ALREADY_ARCHIVED and stored once. Only documents in flight at the crash can be resent.
      expect(inspect.duplicates).to.be.at.most(64);
      for (const d of docs.slice(0, 20)) expect((await statusOf(w.gateway.url, w.cfg.tokens.perhe, d.documentId)).status).to.equal('archived');
    });
  });
});
