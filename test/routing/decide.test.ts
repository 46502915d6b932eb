// Table-driven tests of the pure routing decision, one block per rule (docs/routing.md). No Redis, no HTTP.
import { expect } from 'chai';
import { buildRoutingIndex, decide, rejectionError, RULES, type RightSnapshot, type RoutingMeta, type ParentRecord, type RoutingOutcome } from '../../gateway/routing/index.ts';
import { finnishDateOf } from '../../adapters/cda/read-metadata.ts';
import type { DocumentOperation } from '../../domain/document-header.ts';
import { fixtureConfig, meta, ORG, UNIT, tenantOfConfig } from './fixture.ts';

const { config, version } = fixtureConfig();
const index = buildRoutingIndex(config, version);

const snapshot = (organizer: string, entries: RightSnapshot['entries']): RightSnapshot => ({
  organizer,
  clientKey: 'k'.repeat(64),
  entries,
  source: { kind: 'document', documentId: `${organizer}.1`, setId: `${organizer}.1`, versionNumber: 3 },
  effectiveAt: '2026-01-01T08:00:00.000Z',
});

// Region A's latest client-relationship state: provider D's unit 1 had a right that ended on the DST
// change day and was reopened; unit 2 has task 25 until the autumn DST change day; parallel joiner and
// both co-joiners are listed under task 24.
const RIGHTS_A = snapshot(ORG.regionA, {
  '24': [
    { unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' },
    { unit: UNIT.provD1, start: '2026-05-01' },
    { unit: UNIT.para, start: '2026-01-15' },
    { unit: UNIT.co1, start: '2026-01-01' },
    { unit: UNIT.co2, start: '2026-01-01' },
  ],
  '25': [{ unit: UNIT.provD2, start: '2026-01-01', end: '2026-10-25' }],
});
const RIGHTS_B = snapshot(ORG.regionB, { '24': [{ unit: UNIT.provD1, start: '2026-01-01' }] });
const RIGHTS_THL = snapshot(ORG.thl, {});

interface Row {
  name: string;
  tenant: string;
  meta?: Partial<RoutingMeta>;
  operation?: DocumentOperation;
  rights?: RightSnapshot;
  parent?: ParentRecord;
  now?: string;
  expect: { ruleId: string; code?: string; controller?: string; writer?: string; contractId?: string; right?: Record<string, string> };
}

function run(row: Row, idx = index): RoutingOutcome {
  return decide({
    index: idx,
    tenant: tenantOfConfig(config, row.tenant),
    meta: meta(row.meta),
    operation: row.operation ?? 'archive',
    rights: row.rights,
    ...(row.parent ? { parent: row.parent } : {}),
    now: new Date(row.now ?? '2026-04-01T09:00:00Z'),
  });
}

function check(rows: Row[], idx = index): void {
  for (const row of rows) {
    it(row.name, () => {
      const out = run(row, idx);
      expect(out.ruleId, JSON.stringify(out)).to.equal(row.expect.ruleId);
      expect(out.configVersion).to.equal(version);
      if (row.expect.code) {
        expect(out.accepted).to.equal(false);
        if (out.accepted) return;
        expect(out.code).to.equal(row.expect.code);
        expect(out.code).to.equal((RULES as Record<string, { refusal?: string }>)[out.ruleId]?.refusal);
        expect(out.message).to.be.a('string').and.not.equal('');
      } else {
        expect(out.accepted, JSON.stringify(out)).to.equal(true);
        if (!out.accepted) return;
        if (row.expect.controller) expect(out.controller).to.equal(row.expect.controller);
        if (row.expect.writer) expect(out.writerOrganisation).to.equal(row.expect.writer);
        expect(out.contractId).to.equal(row.expect.contractId);
        if (row.expect.right) expect(out.right).to.deep.equal(row.expect.right);
        else expect(out.right).to.equal(undefined);
        expect(out.explanation).to.be.a('string').and.not.equal('');
      }
    });
  }
}

describe('routing decide()', () => {
  describe('R-TENANT-KNOWN, R-UNIT-KNOWN, R-UNIT-OWNED, R-CUSTODIAN-KNOWN', () => {
    it('refuses a tenant the index does not know', () => {
      const stranger = { ...tenantOfConfig(config, 't-prov-d'), id: 't-stranger' };
      const out = decide({ index, tenant: stranger, meta: meta(), operation: 'archive', rights: RIGHTS_A, now: new Date() });
      expect(out).to.include({ accepted: false, code: 'AUTH_INVALID', ruleId: 'R-TENANT-KNOWN' });
    });
    check([
      { name: 'unknown service unit', tenant: 't-prov-d', meta: { serviceUnit: '1.2.246.10.2001.10.99' }, rights: RIGHTS_A, expect: { ruleId: 'R-UNIT-KNOWN', code: 'ROUTE_UNKNOWN_SERVICE_UNIT' } },
      { name: 'no service unit at all', tenant: 't-prov-d', meta: { serviceUnit: undefined }, rights: RIGHTS_A, expect: { ruleId: 'R-UNIT-KNOWN', code: 'ROUTE_UNKNOWN_SERVICE_UNIT' } },
      { name: 'unit of an organisation the tenant does not act for', tenant: 't-prov-d', meta: { serviceUnit: UNIT.regionA }, expect: { ruleId: 'R-UNIT-OWNED', code: 'ROUTE_UNIT_NOT_OWNED' } },
      { name: 'a region using another region\'s unit', tenant: 't-region-b', meta: { custodian: ORG.regionB, serviceUnit: UNIT.regionA }, expect: { ruleId: 'R-UNIT-OWNED', code: 'ROUTE_UNIT_NOT_OWNED' } },
      { name: 'unknown custodian', tenant: 't-prov-d', meta: { custodian: '1.2.246.10.7777' }, expect: { ruleId: 'R-CUSTODIAN-KNOWN', code: 'ROUTE_UNKNOWN_ORGANISATION' } },
    ]);
  });

  describe('R-OWN-REGISTRY and R-CUSTODIAN-IS-ORGANIZER', () => {
    check([
      { name: 'region writes into its own registry', tenant: 't-region-a', meta: { serviceUnit: UNIT.regionA, functionCode: undefined }, expect: { ruleId: 'R-OWN-REGISTRY', controller: ORG.regionA, writer: ORG.regionA } },
      { name: 'region writes its own asiakkuusasiakirja', tenant: 't-region-a', meta: { serviceUnit: UNIT.regionA, documentGroup: '1' }, expect: { ruleId: 'R-OWN-REGISTRY', controller: ORG.regionA } },
      { name: 'direct provider, own services into own registry', tenant: 't-prov-d', meta: { custodian: ORG.provD, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-OWN-REGISTRY', controller: ORG.provD } },
      { name: 'custodian that is nobody\'s organizer', tenant: 't-region-a', meta: { custodian: ORG.provD, serviceUnit: UNIT.regionA, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-CUSTODIAN-IS-ORGANIZER', code: 'ROUTE_CUSTODIAN_NOT_PERMITTED' } },
    ]);
    it('carries access point, signing identity and usage situation, and is JSON-clean', () => {
      const out = run({ name: '', tenant: 't-region-a', meta: { serviceUnit: UNIT.regionA }, expect: { ruleId: 'R-OWN-REGISTRY' } });
      expect(out).to.include({ accepted: true, registry: 'own', usageSituation: 'ownUse', accessPoint: 'ap-1', signingIdentity: 'sig-gw' });
      expect(JSON.parse(JSON.stringify(out))).to.deep.equal(out);
    });
  });

  describe('R-ORGANIZER-MATCHES-CUSTODIAN, R-FUNCTION-CODE, R-CONTRACT', () => {
    check([
      { name: 'outsourcingServiceCustomer names another organizer', tenant: 't-prov-d', meta: { outsourcingServiceCustomer: ORG.regionB }, rights: RIGHTS_A, expect: { ruleId: 'R-ORGANIZER-MATCHES-CUSTODIAN', code: 'ROUTE_ORGANIZER_MISMATCH' } },
      { name: 'outsourcingServiceCustomer absent is fine', tenant: 't-prov-d', meta: { outsourcingServiceCustomer: undefined }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: 'no functionCode', tenant: 't-prov-d', meta: { functionCode: undefined }, rights: RIGHTS_A, expect: { ruleId: 'R-FUNCTION-CODE', code: 'INTAKE_MISSING_FIELD' } },
      { name: 'contract does not cover the service task', tenant: 't-prov-d', meta: { functionCode: '26' }, rights: RIGHTS_A, expect: { ruleId: 'R-CONTRACT', code: 'RIGHT_NO_CONTRACT' } },
      { name: 'contract last valid day (validTo inclusive)', tenant: 't-prov-d', meta: { documentDate: '2026-12-31' }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-05-01' } } },
      { name: 'day after the contract ended', tenant: 't-prov-d', meta: { documentDate: '2027-01-01' }, rights: RIGHTS_A, expect: { ruleId: 'R-CONTRACT', code: 'RIGHT_NO_CONTRACT' } },
      { name: 'day before the contract began', tenant: 't-prov-d', meta: { documentDate: '2025-12-31' }, rights: snapshot(ORG.regionA, { '24': [{ unit: UNIT.provD1, start: '2025-01-01' }] }), expect: { ruleId: 'R-CONTRACT', code: 'RIGHT_NO_CONTRACT' } },
    ]);
  });

  describe('R-RIGHT-LISTED and R-RIGHT-DATE (inclusive Finnish days, reopened right)', () => {
    check([
      { name: 'no right state for the client at all', tenant: 't-prov-d', rights: undefined, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
      { name: 'unit listed only under another task', tenant: 't-prov-d', meta: { serviceUnit: UNIT.provD2 }, rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
      { name: 'a right state of another organizer is never used', tenant: 't-prov-d', rights: RIGHTS_B, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
      { name: 'day before the first period', tenant: 't-prov-d', meta: { documentDate: '2026-01-31' }, rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: 'first valid day', tenant: 't-prov-d', meta: { documentDate: '2026-02-01' }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: 'last valid day', tenant: 't-prov-d', meta: { documentDate: '2026-03-28' }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: 'day after the right ended', tenant: 't-prov-d', meta: { documentDate: '2026-03-29' }, rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: 'gap between the ended and the reopened period', tenant: 't-prov-d', meta: { documentDate: '2026-04-30' }, rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: 'first day of the reopened period', tenant: 't-prov-d', meta: { documentDate: '2026-05-01' }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-05-01' } } },
    ]);
    it('names the periods when the date is outside', () => {
      const out = run({ name: '', tenant: 't-prov-d', meta: { documentDate: '2026-04-15' }, rights: RIGHTS_A, expect: { ruleId: '' } });
      expect(out.accepted).to.equal(false);
      if (!out.accepted) expect(out.details?.periods).to.deep.equal([{ start: '2026-02-01', end: '2026-03-28' }, { start: '2026-05-01', end: null }]);
    });
  });

  describe('document dates on DST change days (effectiveTime → Finnish date)', () => {
    // The right of unit 1 ends 2026-03-28 (DST starts 2026-03-29 03:00 local); unit 2's task-25 right
    // ends 2026-10-25 (DST ends 04:00 local → 03:00).
    const at = (ts: string, unit: string = UNIT.provD1, task = '24') => ({ documentDate: finnishDateOf(ts), serviceUnit: unit, functionCode: task });
    check([
      { name: '2026-03-28T23:59+02:00 is still the 28th: accepted', tenant: 't-prov-d', meta: at('20260328235900+0200'), rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: '2026-03-28T21:59Z is 23:59 Finnish on the 28th: accepted', tenant: 't-prov-d', meta: at('20260328215900+0000'), rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: '2026-03-29T00:30+02:00 is the 29th: refused', tenant: 't-prov-d', meta: at('20260329003000+0200'), rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: '23:30Z on the 28th is 01:30 Finnish on the 29th: refused', tenant: 't-prov-d', meta: at('20260328233000+0000'), rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: '2026-10-25T00:30+03:00 (before the change): accepted', tenant: 't-prov-d', meta: at('20261025003000+0300', UNIT.provD2, '25'), rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '25', unit: UNIT.provD2, start: '2026-01-01', end: '2026-10-25' } } },
      { name: '2026-10-25T23:59+02:00 (after the change): accepted', tenant: 't-prov-d', meta: at('20261025235900+0200', UNIT.provD2, '25'), rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '25', unit: UNIT.provD2, start: '2026-01-01', end: '2026-10-25' } } },
      { name: '2026-10-25T22:00Z is 00:00 Finnish on the 26th: refused', tenant: 't-prov-d', meta: at('20261025220000+0000', UNIT.provD2, '25'), rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-DATE', code: 'RIGHT_DATE_OUTSIDE' } },
      { name: '2026-10-24T21:30Z is 00:30 Finnish on the 25th: accepted', tenant: 't-prov-d', meta: at('20261024213000+0000', UNIT.provD2, '25'), rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '25', unit: UNIT.provD2, start: '2026-01-01', end: '2026-10-25' } } },
    ]);
  });

  describe('two organizers for the same provider', () => {
    check([
      { name: 'provider D into region B under c-b-d', tenant: 't-prov-d', meta: { custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB }, rights: RIGHTS_B, expect: { ruleId: 'R-REGISTRY-RIGHT', controller: ORG.regionB, contractId: 'c-b-d', right: { task: '24', unit: UNIT.provD1, start: '2026-01-01' } } },
      { name: 'provider D into region A under c-a-d', tenant: 't-prov-d', rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', controller: ORG.regionA, contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: 'region B\'s contract does not cover task 25', tenant: 't-prov-d', meta: { custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB, serviceUnit: UNIT.provD2, functionCode: '25' }, rights: RIGHTS_B, expect: { ruleId: 'R-CONTRACT', code: 'RIGHT_NO_CONTRACT' } },
      { name: 'region A\'s right does not open region B\'s registry', tenant: 't-prov-d', meta: { custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB }, rights: RIGHTS_A, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
    ]);
  });

  describe('R-PROVIDER-NO-CLIENT-RELATIONSHIP and R-BROAD-RIGHT', () => {
    check([
      { name: 'provider writes an asiakkuusasiakirja into the organizer\'s registry', tenant: 't-prov-d', meta: { documentGroup: '1' }, rights: RIGHTS_A, expect: { ruleId: 'R-PROVIDER-NO-CLIENT-RELATIONSHIP', code: 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP' } },
      { name: 'provider writes a case document (default group 2)', tenant: 't-prov-d', meta: { documentGroup: '2' }, rights: RIGHTS_A, expect: { ruleId: 'R-PROVIDER-NO-CLIENT-RELATIONSHIP', code: 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP' } },
      { name: 'shelter provider writes the client relationship under a broad right', tenant: 't-shelter', meta: { custodian: ORG.thl, outsourcingServiceCustomer: ORG.thl, serviceUnit: UNIT.shelter, functionCode: '30', documentGroup: '1' }, rights: undefined, expect: { ruleId: 'R-BROAD-RIGHT', controller: ORG.thl, contractId: 'c-thl-shelter' } },
      { name: 'shelter provider writes a case document under a broad right', tenant: 't-shelter', meta: { custodian: ORG.thl, outsourcingServiceCustomer: ORG.thl, serviceUnit: UNIT.shelter, functionCode: '30', documentGroup: '2' }, rights: RIGHTS_THL, expect: { ruleId: 'R-BROAD-RIGHT', controller: ORG.thl, contractId: 'c-thl-shelter' } },
      { name: 'broad right does not replace the right for content documents', tenant: 't-shelter', meta: { custodian: ORG.thl, outsourcingServiceCustomer: ORG.thl, serviceUnit: UNIT.shelter, functionCode: '30', documentGroup: '5' }, rights: RIGHTS_THL, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
    ]);
    describe('with caseDocumentGroups ["7"]', () => {
      const custom = buildRoutingIndex(config, version, { caseDocumentGroups: ['7'] });
      check(
        [
          { name: 'group 2 is then an ordinary document', tenant: 't-prov-d', meta: { documentGroup: '2' }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
          { name: 'group 7 is refused', tenant: 't-prov-d', meta: { documentGroup: '7' }, rights: RIGHTS_A, expect: { ruleId: 'R-PROVIDER-NO-CLIENT-RELATIONSHIP', code: 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP' } },
          { name: 'group 1 stays refused', tenant: 't-prov-d', meta: { documentGroup: '1' }, rights: RIGHTS_A, expect: { ruleId: 'R-PROVIDER-NO-CLIENT-RELATIONSHIP', code: 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP' } },
        ],
        custom,
      );
    });
  });

  describe('versions and voids after the right ended (R-RIGHT-ENDED-VERSION, R-ORGANIZER-VERSIONS-PROVIDER-DOC, R-PARENT-*)', () => {
    const providerParent: ParentRecord = { writerOrganisation: ORG.provD, controller: ORG.regionA };
    const v = (now: string, operation: DocumentOperation = 'version'): Omit<Row, 'name' | 'expect'> => ({
      tenant: 't-prov-d',
      operation,
      meta: { documentDate: '2026-03-20', versionNumber: 2 },
      rights: RIGHTS_A,
      parent: providerParent,
      now,
    });
    check([
      { name: 'provider versions while its right is valid (last day, 23:30 Finnish)', ...v('2026-03-28T21:30:00Z'), expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' } } },
      { name: 'provider versions at 00:30 Finnish the day after the right ended (22:30Z)', ...v('2026-03-28T22:30:00Z'), expect: { ruleId: 'R-RIGHT-ENDED-VERSION', code: 'RIGHT_ENDED_VERSION_BY_PROVIDER' } },
      { name: 'provider voids after the right ended', ...v('2026-04-10T09:00:00Z', 'void'), expect: { ruleId: 'R-RIGHT-ENDED-VERSION', code: 'RIGHT_ENDED_VERSION_BY_PROVIDER' } },
      { name: 'provider versions after the right was reopened', ...v('2026-06-01T09:00:00Z'), expect: { ruleId: 'R-REGISTRY-RIGHT', contractId: 'c-a-d', right: { task: '24', unit: UNIT.provD1, start: '2026-05-01' } } },
      { name: 'organizer versions the provider\'s document after the right ended', tenant: 't-region-a', operation: 'version', meta: { documentDate: '2026-03-20', versionNumber: 2 }, rights: RIGHTS_A, parent: providerParent, now: '2026-04-10T09:00:00Z', expect: { ruleId: 'R-ORGANIZER-VERSIONS-PROVIDER-DOC', controller: ORG.regionA, writer: ORG.regionA } },
      { name: 'organizer cannot archive a new document under the provider\'s unit', tenant: 't-region-a', operation: 'archive', meta: {}, rights: RIGHTS_A, parent: providerParent, expect: { ruleId: 'R-UNIT-OWNED', code: 'ROUTE_UNIT_NOT_OWNED' } },
      { name: 'another region cannot version region A\'s provider document', tenant: 't-region-b', operation: 'version', meta: { versionNumber: 2 }, rights: RIGHTS_A, parent: providerParent, expect: { ruleId: 'R-UNIT-OWNED', code: 'ROUTE_UNIT_NOT_OWNED' } },
      { name: 'a version moving to another registry', tenant: 't-prov-d', operation: 'version', meta: { custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB, versionNumber: 2 }, rights: RIGHTS_B, parent: providerParent, expect: { ruleId: 'R-PARENT-SAME-REGISTRY', code: 'ROUTE_PARENT_REGISTRY_MISMATCH' } },
      { name: 'co-joiner 1 versions co-joiner 2\'s document in the organizer\'s registry', tenant: 't-joint', operation: 'version', meta: { serviceUnit: UNIT.co1, versionNumber: 2 }, rights: RIGHTS_A, parent: { writerOrganisation: ORG.co2, controller: ORG.regionA }, expect: { ruleId: 'R-PARENT-WRITER', code: 'RIGHT_NOT_DOCUMENT_WRITER' } },
    ]);
  });

  describe('R-PARALLEL-ONE-ORGANIZER', () => {
    const para = { serviceUnit: UNIT.para };
    check([
      { name: 'parallel joiner into its organizer\'s registry with a right', tenant: 't-region-a', meta: para, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', controller: ORG.regionA, writer: ORG.para, contractId: 'c-a-para', right: { task: '24', unit: UNIT.para, start: '2026-01-15' } } },
      { name: 'parallel joiner into its organizer\'s registry without a right', tenant: 't-region-a', meta: para, rights: undefined, expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
      { name: 'parallel joiner tries a second region', tenant: 't-region-a', meta: { ...para, custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB }, rights: RIGHTS_B, expect: { ruleId: 'R-PARALLEL-ONE-ORGANIZER', code: 'ROUTE_PARALLEL_FOREIGN_REGISTRY' } },
      { name: 'parallel joiner tries its own registry', tenant: 't-region-a', meta: { ...para, custodian: ORG.para, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-PARALLEL-ONE-ORGANIZER', code: 'ROUTE_PARALLEL_FOREIGN_REGISTRY' } },
    ]);
  });

  describe('R-JOINT-NO-CO-JOINER-REGISTRY', () => {
    check([
      { name: 'co-joiner into its own registry', tenant: 't-joint', meta: { serviceUnit: UNIT.co1, custodian: ORG.co1, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-OWN-REGISTRY', controller: ORG.co1, writer: ORG.co1 } },
      { name: 'co-joiner into another co-joiner\'s registry', tenant: 't-joint', meta: { serviceUnit: UNIT.co1, custodian: ORG.co2, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-JOINT-NO-CO-JOINER-REGISTRY', code: 'ROUTE_JOINT_FOREIGN_REGISTRY' } },
      { name: 'co-joiner into the main joiner\'s registry', tenant: 't-joint', meta: { serviceUnit: UNIT.co2, custodian: ORG.main, outsourcingServiceCustomer: undefined }, expect: { ruleId: 'R-JOINT-NO-CO-JOINER-REGISTRY', code: 'ROUTE_JOINT_FOREIGN_REGISTRY' } },
      { name: 'co-joiner into an organizer\'s registry through a right', tenant: 't-joint', meta: { serviceUnit: UNIT.co2 }, rights: RIGHTS_A, expect: { ruleId: 'R-REGISTRY-RIGHT', controller: ORG.regionA, writer: ORG.co2, contractId: 'c-a-co2', right: { task: '24', unit: UNIT.co2, start: '2026-01-01' } } },
      { name: 'co-joiner using the other co-joiner\'s unit for the organizer is still that co-joiner writing', tenant: 't-joint', meta: { serviceUnit: UNIT.co1 }, rights: snapshot(ORG.regionA, { '24': [{ unit: UNIT.co2, start: '2026-01-01' }] }), expect: { ruleId: 'R-RIGHT-LISTED', code: 'RIGHT_NOT_FOUND' } },
    ]);
  });

  describe('R-MINOR-GUARDIAN-CONSENT (birth date from the hetu, age on the Finnish document date)', () => {
    const minorRun = (extra: { clientBirthDate?: string; guardianConsentCodes?: string[]; documentDate?: string }, operation: DocumentOperation = 'archive', parent?: ParentRecord) =>
      decide({
        index,
        tenant: tenantOfConfig(config, 't-region-a'),
        meta: { ...meta({ serviceUnit: UNIT.regionA, ...(extra.documentDate ? { documentDate: extra.documentDate } : {}) }), ...extra },
        operation,
        rights: undefined,
        ...(parent ? { parent } : {}),
        now: new Date('2026-04-01T09:00:00Z'),
      });

    it('refuses a document for a client under 18 without the guardian-consent code, with the stable code', () => {
      const out = minorRun({ clientBirthDate: '2018-04-18' });
      expect(out).to.include({ accepted: false, code: 'INTAKE_MINOR_CONSENT_MISSING', ruleId: 'R-MINOR-GUARDIAN-CONSENT' });
      if (out.accepted) return;
      expect(out.details).to.include({ field: 'authorization/consent/code', codeSystem: '1.2.246.537.6.1286.201901' });
      expect(JSON.stringify(out)).not.to.include('2018-04-18'); // the birth date stays out of the answer
      expect(rejectionError(out).code).to.equal('INTAKE_MINOR_CONSENT_MISSING');
    });

    it('accepts the same document with a consent code (either value: may or may not be shown to guardians)', () => {
      expect(minorRun({ clientBirthDate: '2018-04-18', guardianConsentCodes: ['1'] })).to.include({ accepted: true, ruleId: 'R-OWN-REGISTRY' });
      expect(minorRun({ clientBirthDate: '2018-04-18', guardianConsentCodes: ['2'] })).to.include({ accepted: true });
    });

    it('counts the age on the document date: 18 from the birthday itself', () => {
      expect(minorRun({ clientBirthDate: '2008-03-15', documentDate: '2026-03-14' })).to.include({ accepted: false, ruleId: 'R-MINOR-GUARDIAN-CONSENT' });
      expect(minorRun({ clientBirthDate: '2008-03-15', documentDate: '2026-03-15' })).to.include({ accepted: true });
      expect(minorRun({ clientBirthDate: '2008-02-29', documentDate: '2026-02-28' })).to.include({ accepted: false });
      expect(minorRun({ clientBirthDate: '2008-02-29', documentDate: '2026-03-01' })).to.include({ accepted: true });
    });

    it('the document date is the Finnish date of effectiveTime (late evening UTC is the next day in Helsinki)', () => {
      const date = finnishDateOf('20260314221500+0000'); // 00:15 on 15 March in Helsinki
      expect(date).to.equal('2026-03-15');
      expect(minorRun({ clientBirthDate: '2008-03-15', documentDate: date })).to.include({ accepted: true });
    });

    it('adults, clients without a hetu birth date and voids are not held to the rule', () => {
      expect(minorRun({ clientBirthDate: '1990-02-02' })).to.include({ accepted: true });
      expect(minorRun({})).to.include({ accepted: true });
      const parent: ParentRecord = { writerOrganisation: ORG.regionA, controller: ORG.regionA };
      expect(minorRun({ clientBirthDate: '2018-04-18' }, 'void', parent)).to.include({ accepted: true });
      expect(minorRun({ clientBirthDate: '2018-04-18' }, 'version', parent)).to.include({ accepted: false, ruleId: 'R-MINOR-GUARDIAN-CONSENT' });
    });
  });

  describe('rejectionError', () => {
    it('turns a refusal into the GatewayError the API renders', () => {
      const out = run({ name: '', tenant: 't-prov-d', meta: { documentDate: '2026-04-15' }, rights: RIGHTS_A, expect: { ruleId: '' } });
      if (out.accepted) expect.fail('expected a refusal');
      const err = rejectionError(out);
      expect(err.toJSON()).to.deep.include({ code: 'RIGHT_DATE_OUTSIDE', ruleId: 'R-RIGHT-DATE', message: out.message });
      expect(err.status).to.equal(403);
      expect(err.details).to.include({ configVersion: version, documentDate: '2026-04-15' });
    });
  });

  describe('purity', () => {
    it('gives the same answer twice and does not mutate its inputs', () => {
      const frozen = structuredClone(RIGHTS_A);
      const m = meta({ documentDate: '2026-03-01' });
      const input = { index, tenant: tenantOfConfig(config, 't-prov-d'), meta: m, operation: 'archive' as const, rights: RIGHTS_A, now: new Date('2026-03-01T10:00:00Z') };
      const a = decide(input);
      const b = decide(input);
      expect(a).to.deep.equal(b);
      expect(RIGHTS_A).to.deep.equal(frozen);
      expect(Object.isFrozen(index)).to.equal(true);
    });
  });
});
