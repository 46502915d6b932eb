// Queue guarantees proven with real processes (test/helpers/process-world.ts): Kanta service break.
import { expect } from 'chai';
import { statusOf } from '../../../gateway/client/gateway-client.ts';
import { DEMO } from '../../../gateway/demo/demo-environment.ts';
import { ops, ownDoc, startWorld, stopWorld, submitAll, waitUntil, type World } from '../../helpers/process-world.ts';

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('Kanta service break', () => {
    // The window is configurable (KGW_TEST_MAINTENANCE_SECONDS; a real break lasts hours); a few
    // seconds already make the difference between a breaker and none plain, see the bound below.
    const windowSeconds = Number(process.env.KGW_TEST_MAINTENANCE_SECONDS ?? 8);
    const openMs = 1_000;
    const retry = { baseDelayMs: 100, maxDelayMs: 500 };
    const failureThreshold = 3;
    let w: World;
    before(async () => {
      w = await startWorld('maint', (c) => void (c.queues = { ...c.queues, circuitBreaker: { failureThreshold, openMs }, retry }));
    });
    after(() => stopWorld(w));

    it(`opens the circuit in a ${windowSeconds} s maintenance window, burns no attempts while open, and drains after`, async () => {
      // The documents are queued first (tenant paused) and the window opens just before they go, so
      // a slow machine cannot spend the window on intake and never meet the break.
      expect((await ops(w, 'POST', '/v1/ops/tenants/perhe/pause')).state).to.equal('paused');
      const docs = Array.from({ length: 40 }, () => ownDoc('perhe'));
      expect((await submitAll(w.gateway.url, w.cfg.tokens.perhe, docs)).every((s) => s === 202)).to.equal(true);
      await w.double.setFaults({ maintenanceSeconds: windowSeconds });
      expect((await ops(w, 'POST', '/v1/ops/tenants/perhe/resume')).state).to.equal('running');
      await waitUntil(
        async () => {
          const r = await fetch(`${w.gateway.url}/v1/ops/queues`, { headers: { authorization: `Bearer ${w.cfg.tokens.ops}` } });
          return ((await r.json()) as { circuits: Record<string, string> }).circuits[DEMO.accessPoint] === 'open';
        },
        20_000,
        'circuit open',
      );
      await waitUntil(async () => (await w.double.inspect()).archived.length >= 40, windowSeconds * 1_000 + 90_000, 'drained after the window');
      let attempts = 0;
      for (const d of docs) attempts += Number((await statusOf(w.gateway.url, w.cfg.tokens.perhe, d.documentId)).attempts);
      // Without the breaker, 40 documents retrying every ≤ 0.5 s through the window would make about
      // 40 × 2 × windowSeconds sends (640 for 8 s). With it: the sends that opened it, one probe per
      // open period, one success each, and slack for sends already in flight.
      const probes = Math.ceil((windowSeconds * 1_000) / openMs) + 1;
      const bound = 40 + failureThreshold + probes + 16;
      expect(bound, 'the bound must stay well below what a gateway without a breaker would send').to.be.below((40 * windowSeconds * 1_000) / retry.maxDelayMs / 2);
      expect(attempts).to.be.at.most(bound);
      expect((await w.double.inspect()).duplicates).to.equal(0);
    });
  });
});
