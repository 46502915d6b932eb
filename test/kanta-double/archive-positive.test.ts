import { expect } from 'chai';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { ORG_A, ORG_P, UNIT_A, UNIT_P, HETU, AP1, baseOptions, frameFor, makeDoc, post } from './support/double-fixture.ts';
import { buildQueryFrame } from './support/test-frame.ts';

describe('kanta double: accepted messages', () => {
  let double: KantaDouble;
  beforeEach(async () => { double = await startKantaDouble(baseOptions({ now: () => new Date('2026-09-20T09:00:00Z') })); });
  afterEach(async () => { await double.close(); });

  it('archives a client-relationship document (group 1, SP1) and keeps the exact bytes', async () => {
    const doc = makeDoc({ documentGroup: '1', rights: { '24': [{ unit: UNIT_P, start: '2026-09-01' }] } });
    const r = await post(double.url, frameFor(doc));
    expect(r.status).to.equal(200);
    expect(r.ack, r.body).to.equal('AA');
    expect(r.code).to.equal(undefined);
    const seen = double.inspect();
    expect(seen.archived.map((a) => a.documentId)).to.deep.equal([doc.meta.id]);
    expect(seen.archived[0]).to.include({ custodian: ORG_A, sender: AP1, unit: UNIT_A, documentGroup: '1', versionNumber: 1 });
    expect(double.archivedDocument(doc.meta.id)?.equals(doc.bytes)).to.equal(true);
  });

  it('archives a later-phase client document (group 5, SP17) over the plain binding', async () => {
    const doc = makeDoc();
    const r = await post(double.plainUrl, frameFor(doc), 'plain');
    expect(r.ack, r.body).to.equal('AA');
    expect(r.headers['content-type']).to.match(/application\/xml/);
  });

  it('archives a new version and then a void of the set', async () => {
    const v1 = makeDoc();
    expect((await post(double.url, frameFor(v1))).ack).to.equal('AA');
    const v2 = makeDoc({ setId: v1.meta.id, versionNumber: 2, parent: { id: v1.meta.id, setId: v1.meta.id, versionNumber: 1 } });
    const r2 = await post(double.url, frameFor(v2, { op: 'version' }));
    expect(r2.ack, r2.body).to.equal('AA');
    const v3 = makeDoc({ setId: v1.meta.id, versionNumber: 3, parent: { id: v2.meta.id, setId: v1.meta.id, versionNumber: 2 } });
    const r3 = await post(double.url, frameFor(v3, { op: 'void' }));
    expect(r3.ack, r3.body).to.equal('AA');
    expect(double.inspect().archived.map((a) => a.operation)).to.deep.equal(['archive', 'version', 'void']);
  });

  it('answers "Hae asiakkuus" to the organizer and to a provider unit with a valid right', async () => {
    const doc = makeDoc({ documentGroup: '1', rights: { '24': [{ unit: UNIT_P, start: '2026-09-01' }] } });
    expect((await post(double.url, frameFor(doc))).ack).to.equal('AA');
    for (const unit of [UNIT_A, UNIT_P]) {
      const r = await post(double.url, buildQueryFrame({ senderId: AP1, unit, custodian: ORG_A, hetu: HETU }));
      expect(r.ack, r.body).to.equal('AA');
      expect(r.body).to.include('RCMR_IN200011FI01');
      const b64 = /Content-ID: &lt;[^&]+&gt;\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)--/.exec(r.body)?.[1] ?? '';
      expect(Buffer.from(b64.replace(/\s+/g, ''), 'base64').equals(doc.bytes)).to.equal(true);
    }
    const log = double.inspect().accessLog.filter((e) => e.operation === 'query');
    expect(log.map((e) => e.unit)).to.deep.equal([UNIT_A, UNIT_P]);
    expect(JSON.stringify(double.inspect().accessLog)).to.not.include(HETU);
    void ORG_P;
  });
});
