// Checks 7–10 and 12 of kanta.md: idempotency, versioning, registry routing, registry-use rights
// (RKO) and the "Hae asiakkuus" query, each refusal with its own detail code.
import { expect } from 'chai';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import {
  AP1, HETU, HETU_2, ORG_A, ORG_P, UNIT_A, UNIT_P, UNIT_P2, UNIT_X,
  archiveOk, baseOptions, frameFor, makeDoc, post, testPki,
} from './support/double-fixture.ts';
import type { TestDoc } from './support/double-fixture.ts';
import { buildQueryFrame } from './support/test-frame.ts';

const RIGHTS = { '24': [{ unit: UNIT_P, start: '2026-09-01', end: '2026-09-30' }] };

/** A provider-written group-5 document into the organizer ORG_A's registry under a registry-use right. */
function providerDoc(o: Parameters<typeof makeDoc>[0] = {}): TestDoc {
  return makeDoc({ custodian: ORG_A, serviceUnit: UNIT_P, signer: testPki().signerP, ...o });
}
const asProvider = { unit: UNIT_P, usageSituations: ['2'] };

describe('kanta double: archive rules (kanta.md 7–10, 12)', () => {
  let double: KantaDouble;
  before(async () => { testPki(); double = await startKantaDouble(baseOptions({ now: () => new Date('2026-09-20T09:00:00Z') })); });
  after(async () => { await double.close(); });
  beforeEach(() => double.reset());

  describe('idempotency (7)', () => {
    it('answers an identical resend AA ALREADY_ARCHIVED, stores nothing twice and counts the duplicate', async () => {
      const doc = makeDoc();
      await archiveOk(double.url, doc);
      const r = await post(double.url, frameFor(doc));
      expect([r.ack, r.code]).to.deep.equal(['AA', 'ALREADY_ARCHIVED']);
      expect(r.body).to.include('<acknowledgementDetail typeCode="I">');
      const seen = double.inspect();
      expect(seen.archived).to.have.length(1);
      expect(seen.duplicates).to.equal(1);
    });

    it('refuses the same document id with different content: AE DOCUMENT_ID_CONFLICT', async () => {
      const doc = makeDoc({ note: 'first' });
      await archiveOk(double.url, doc);
      const r = await post(double.url, frameFor(makeDoc({ documentId: doc.meta.id, note: 'second' })));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'DOCUMENT_ID_CONFLICT']);
      expect(double.archivedDocument(doc.meta.id)?.equals(doc.bytes)).to.equal(true);
    });
  });

  describe('versioning (8)', () => {
    let v1: TestDoc;
    const next = (n: number, parent: TestDoc, o: Parameters<typeof makeDoc>[0] = {}) =>
      makeDoc({ setId: v1.meta.id, versionNumber: n, parent: { id: parent.meta.id, setId: v1.meta.id, versionNumber: parent.meta.versionNumber }, ...o });
    beforeEach(async () => { v1 = makeDoc(); await archiveOk(double.url, v1); });

    it('refuses an archive of version 2: VERSION_OPERATION', async () => {
      const r = await post(double.url, frameFor(makeDoc({ versionNumber: 2 })));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_OPERATION']);
    });
    it('refuses a version without RPLC: VERSION_OPERATION', async () => {
      const r = await post(double.url, frameFor(makeDoc({ setId: v1.meta.id, versionNumber: 2 }), { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_OPERATION']);
    });
    it('refuses a second version-1 document in an existing set: VERSION_SET_EXISTS', async () => {
      const r = await post(double.url, frameFor(makeDoc({ setId: v1.meta.id })));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_SET_EXISTS']);
    });
    it('refuses a version of an unknown set: VERSION_UNKNOWN_SET', async () => {
      const other = makeDoc();
      const r = await post(double.url, frameFor(makeDoc({ setId: other.meta.id, versionNumber: 2, parent: { id: other.meta.id, setId: other.meta.id, versionNumber: 1 } }), { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_UNKNOWN_SET']);
    });
    it('refuses a gap (version 3 after 1): VERSION_NUMBER', async () => {
      const r = await post(double.url, frameFor(next(3, v1), { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_NUMBER']);
    });
    it('refuses an out-of-order parent (v3 pointing at v1 after v2): VERSION_PARENT', async () => {
      await archiveOk(double.url, next(2, v1), { op: 'version' });
      const stale = makeDoc({ setId: v1.meta.id, versionNumber: 3, parent: { id: v1.meta.id, setId: v1.meta.id, versionNumber: 1 } });
      const r = await post(double.url, frameFor(stale, { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_PARENT']);
    });
    it('refuses a version of a voided set: VERSION_SET_VOIDED', async () => {
      const voiding = next(2, v1);
      await archiveOk(double.url, voiding, { op: 'void' });
      const r = await post(double.url, frameFor(next(3, voiding), { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_SET_VOIDED']);
    });
    it('refuses a version that moves the set to another client: VERSION_CUSTODIAN', async () => {
      const r = await post(double.url, frameFor(next(2, v1, { hetu: HETU_2 }), { op: 'version' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'VERSION_CUSTODIAN']);
    });
  });

  describe('registry routing (9)', () => {
    it('refuses an unknown writing unit: REGISTRY_UNIT_UNKNOWN', async () => {
      const r = await post(double.url, frameFor(makeDoc(), { unit: '1.2.246.10.11111111.20.99' }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'REGISTRY_UNIT_UNKNOWN']);
    });
    it('refuses a unit of an organisation the access point does not carry: REGISTRY_ACCESS_POINT_ORGANISATION', async () => {
      const r = await post(double.url, frameFor(makeDoc(), { unit: UNIT_X }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'REGISTRY_ACCESS_POINT_ORGANISATION']);
    });
    it('refuses own use (käyttötilanne 1) into another organisation\'s registry: REGISTRY_FOREIGN_CUSTODIAN', async () => {
      const r = await post(double.url, frameFor(providerDoc(), { unit: UNIT_P }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'REGISTRY_FOREIGN_CUSTODIAN']);
    });
    it('refuses käyttötilanne 2 into the writer\'s own registry: REGISTRY_USAGE_SITUATION', async () => {
      const r = await post(double.url, frameFor(makeDoc(), { usageSituations: ['2'] }));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'REGISTRY_USAGE_SITUATION']);
    });
  });

  describe('registry-use rights (10)', () => {
    it('accepts a provider document within a listed right (käyttötilanne 2)', async () => {
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: RIGHTS }));
      const r = await post(double.url, frameFor(providerDoc(), asProvider));
      expect(r.ack, r.body).to.equal('AA');
      expect(double.inspect().archived[1]).to.include({ unit: UNIT_P, custodian: ORG_A });
    });
    it('counts both right dates inclusively, in Finnish time', async () => {
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: RIGHTS }));
      // 2026-08-31 21:30 UTC is already 2026-09-01 in Helsinki (UTC+3): the start day.
      expect((await post(double.url, frameFor(providerDoc({ effectiveTime: '20260831213000+0000' }), asProvider))).ack).to.equal('AA');
      expect((await post(double.url, frameFor(providerDoc({ effectiveTime: '20260930235900+0300' }), asProvider))).ack).to.equal('AA');
      const late = await post(double.url, frameFor(providerDoc({ effectiveTime: '20260930213000+0000' }), asProvider));
      expect([late.ack, late.code]).to.deep.equal(['AE', 'RIGHT_DATE_OUTSIDE']);
      const early = await post(double.url, frameFor(providerDoc({ effectiveTime: '20260831205900+0000' }), asProvider));
      expect([early.ack, early.code]).to.deep.equal(['AE', 'RIGHT_DATE_OUTSIDE']);
    });
    it('refuses a provider writing a client-relationship document: RIGHT_PROVIDER_CLIENT_RELATIONSHIP', async () => {
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: RIGHTS }));
      const r = await post(double.url, frameFor(providerDoc({ documentGroup: '1', hetu: HETU }), asProvider));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP']);
    });
    it('refuses when the organizer has no client-relationship document: RIGHT_NO_CLIENT_RELATIONSHIP', async () => {
      const r = await post(double.url, frameFor(providerDoc(), asProvider));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'RIGHT_NO_CLIENT_RELATIONSHIP']);
    });
    it('refuses another service task or another unit: RIGHT_NOT_LISTED', async () => {
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: RIGHTS }));
      const task = await post(double.url, frameFor(providerDoc({ functionCode: '25' }), asProvider));
      expect([task.ack, task.code]).to.deep.equal(['AE', 'RIGHT_NOT_LISTED']);
      const unit = await post(double.url, frameFor(providerDoc({ serviceUnit: UNIT_P2 }), { unit: UNIT_P2, usageSituations: ['2'] }));
      expect([unit.ack, unit.code]).to.deep.equal(['AE', 'RIGHT_NOT_LISTED']);
    });
    it('uses the highest version of the client-relationship document: a right removed in v2 is gone', async () => {
      const v1 = makeDoc({ documentGroup: '1', rights: RIGHTS });
      await archiveOk(double.url, v1);
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: {}, setId: v1.meta.id, versionNumber: 2, parent: { id: v1.meta.id, setId: v1.meta.id, versionNumber: 1 } }), { op: 'version' });
      const r = await post(double.url, frameFor(providerDoc(), asProvider));
      expect([r.ack, r.code]).to.deep.equal(['AE', 'RIGHT_NOT_LISTED']);
    });
  });

  describe('query "Hae asiakkuus" (12)', () => {
    const query = (unit: string, hetu = HETU) => post(double.url, buildQueryFrame({ senderId: AP1, unit, custodian: ORG_A, hetu }));

    it('answers the organizer NOT_FOUND when there is no client relationship', async () => {
      const r = await query(UNIT_A);
      expect([r.ack, r.code]).to.deep.equal(['AE', 'NOT_FOUND']);
      expect(r.body).to.include('RCMR_IN200011FI01');
    });
    it('answers a provider without a right QUERY_FORBIDDEN, whether or not the client exists', async () => {
      expect((await query(UNIT_P)).code).to.equal('QUERY_FORBIDDEN');
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: { '24': [{ unit: UNIT_P, start: '2026-01-01', end: '2026-06-30' }] } }));
      const r = await query(UNIT_P);
      expect([r.ack, r.code]).to.deep.equal(['AE', 'QUERY_FORBIDDEN']);
      expect(r.body).to.not.include('clinicalDocument');
      expect((await query(UNIT_P2)).code).to.equal('QUERY_FORBIDDEN');
    });
    it('refuses a query without a patient: QUERY_MISSING_PARAMETER', async () => {
      const r = await post(double.url, buildQueryFrame({ senderId: AP1, unit: UNIT_A, custodian: ORG_A, hetu: '' }));
      expect([r.ack, r.code]).to.deep.equal(['AR', 'QUERY_MISSING_PARAMETER']);
    });
    it('logs every read and write with a client pseudonym, never the hetu', async () => {
      const doc = makeDoc({ documentGroup: '1', rights: RIGHTS });
      await archiveOk(double.url, doc);
      await query(UNIT_A);
      await query(UNIT_P);
      const log = double.inspect().accessLog;
      expect(log.map((e) => [e.operation, e.unit, e.ack])).to.deep.equal([['archive', UNIT_A, 'AA'], ['query', UNIT_A, 'AA'], ['query', UNIT_P, 'AA']]);
      expect(new Set(log.map((e) => e.client)).size).to.equal(1);
      expect(log[1]).to.include({ documentId: doc.meta.id, custodian: ORG_A, sender: AP1 });
      expect(JSON.stringify(log)).to.not.include(HETU);
      void ORG_P;
    });
  });
});
