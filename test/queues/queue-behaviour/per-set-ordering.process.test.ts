// Queue guarantees proven with real processes (test/helpers/process-world.ts): per-set ordering.
import { expect } from 'chai';
import { makeSampleCda } from '../../../adapters/cda/sample-document.ts';
import { submit } from '../../../gateway/client/gateway-client.ts';
import { DEMO } from '../../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../../gateway/demo/document-ids.ts';
import { hetu, startWorld, stopWorld, waitUntil, type World } from '../../helpers/process-world.ts';

describe('queues with real processes', function () {
  this.timeout(240_000);

  describe('per-set ordering', () => {
    let w: World;
    before(async () => {
      w = await startWorld('order', (c) => void (c.queues = { ...c.queues, laneConcurrency: 16, batch: { size: 16, waitMs: 5 } }));
    });
    after(() => stopWorld(w));

    it('archives versions 1…5 of one set in order under lane concurrency 16', async () => {
      const ids = Array.from({ length: 5 }, () => newDocumentId(DEMO.perhe.oid));
      const setId = ids[0]!;
      const docs = ids.map((id, i) => ({
        operation: i === 0 ? 'archive' : 'version',
        xml: makeSampleCda({ documentId: id, setId, versionNumber: i + 1, ...(i > 0 ? { parent: { id: ids[i - 1]!, setId, versionNumber: i } } : {}), custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }),
      }));
      // Sent back to back: every version is queued before its parent is archived.
      for (const d of docs) expect((await submit(w.gateway.url, w.cfg.tokens.perhe, d.xml, d.operation)).status).to.equal(202);
      await waitUntil(async () => (await w.double.inspect()).archived.filter((a) => a.setId === setId).length === 5, 60_000, 'five versions archived');
      const archived = (await w.double.inspect()).archived.filter((a) => a.setId === setId).sort((a, b) => Date.parse(a.archivedAt) - Date.parse(b.archivedAt));
      expect(archived.map((a) => a.versionNumber)).to.deep.equal([1, 2, 3, 4, 5]);
      expect((await w.double.inspect()).rejectionsByCode).to.deep.equal({});
    });
  });
});
