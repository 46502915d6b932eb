// Queue guarantees proven with real processes (test/helpers/process-world.ts): fairness between tenants.
import { expect } from 'chai';
import { statusOf, submit } from '../../../gateway/client/gateway-client.ts';
import { ops, ownDoc, startWorld, stopWorld, submitAll, waitUntil, type World } from '../../helpers/process-world.ts';

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('fairness between tenants', () => {
    // Tenant A's whole backlog is queued (its intake paused while it is submitted) before B's one
    // document arrives, so every A document is ahead of B's. 500 documents are 15 lane high-water
    // marks: a B document that waited behind A's queue would see far more than half of them archived.
    const BACKLOG = 500;
    let w: World;
    before(async () => {
      w = await startWorld('fair', (c) => void (c.queues = { ...c.queues, laneHighWater: 32 }));
    });
    after(() => stopWorld(w));

    it("archives tenant B's one document before tenant A's 500-document backlog is half done", async () => {
      expect((await ops(w, 'POST', '/v1/ops/tenants/region/pause')).state).to.equal('paused');
      const backlog = Array.from({ length: BACKLOG }, () => ownDoc('region'));
      const statuses = await submitAll(w.gateway.url, w.cfg.tokens.region, backlog, 24);
      expect(statuses.every((s) => s === 202)).to.equal(true);
      expect((await w.double.inspect()).archived, 'nothing of A sent while its intake is paused').to.have.length(0);
      expect((await ops(w, 'POST', '/v1/ops/tenants/region/resume')).state).to.equal('running');
      const b = ownDoc('perhe');
      expect((await submit(w.gateway.url, w.cfg.tokens.perhe, b.xml)).status).to.equal(202);
      await waitUntil(async () => (await statusOf(w.gateway.url, w.cfg.tokens.perhe, b.documentId)).status === 'archived', 120_000, "B's document archived");
      const archivedA = (await w.double.inspect()).archived.filter((a) => a.documentId !== b.documentId).length;
      expect(archivedA, `A documents archived when B's was`).to.be.below(BACKLOG / 2);
    });
  });
});
