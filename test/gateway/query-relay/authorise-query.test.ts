// Who may ask "Hae asiakkuus" for which registry, decided from configuration alone (table tests, no
// Redis): the unit must be the tenant's, the registry its own or one it may hold a right in today.
import { expect } from 'chai';
import { errorCodeOf } from '../../../domain/errors.ts';
import { authoriseQuery } from '../../../gateway/query-relay/authorise-query.ts';
import { buildRoutingIndex } from '../../../gateway/routing/index.ts';
import { ORG, UNIT, fixtureConfig, tenantOfConfig } from '../../routing/fixture.ts';

describe('query relay: authorising a query', () => {
  const { config, version } = fixtureConfig();
  const index = buildRoutingIndex(config, version);
  const ask = (tenant: string, askingUnit: string, custodian: string, today = '2026-09-15') => {
    try {
      return authoriseQuery(index, { tenant: tenantOfConfig(config, tenant), askingUnit, custodian }, today);
    } catch (err) {
      return errorCodeOf(err) ?? err;
    }
  };

  const cases: Array<[string, string, string, string, unknown, string?]> = [
    ['the organizer in its own registry', 't-region-a', UNIT.regionA, ORG.regionA, { role: 'organizer', askingOrganisation: ORG.regionA }],
    ['a provider with a contract valid today', 't-prov-d', UNIT.provD2, ORG.regionA, { role: 'provider', askingOrganisation: ORG.provD }],
    ['a provider in its own registry', 't-prov-d', UNIT.provD1, ORG.provD, { role: 'organizer', askingOrganisation: ORG.provD }],
    ["a parallel joiner in its organizer's registry", 't-region-a', UNIT.para, ORG.regionA, { role: 'provider', askingOrganisation: ORG.para }],
    ['a co-joiner under its contract', 't-joint', UNIT.co1, ORG.regionA, { role: 'provider', askingOrganisation: ORG.co1 }],
    ["another tenant's unit", 't-prov-d', UNIT.regionA, ORG.regionA, 'QUERY_UNIT_FOREIGN'],
    ['a unit in no register', 't-prov-d', '1.2.246.10.2001.10.99', ORG.regionA, 'QUERY_UNIT_FOREIGN'],
    ["a co-joiner in another co-joiner's registry", 't-joint', UNIT.co1, ORG.co2, 'QUERY_CUSTODIAN_FOREIGN'],
    ["the main joiner in a co-joiner's registry", 't-joint', UNIT.main, ORG.co1, 'QUERY_CUSTODIAN_FOREIGN'],
    ['a registry without any contract', 't-region-b', UNIT.regionB, ORG.regionA, 'QUERY_CUSTODIAN_FOREIGN'],
    ['an unknown registry', 't-prov-d', UNIT.provD1, '1.2.246.10.7777', 'QUERY_CUSTODIAN_FOREIGN'],
    ['a provider after its contract ended', 't-prov-d', UNIT.provD1, ORG.regionA, 'QUERY_CUSTODIAN_FOREIGN', '2027-01-01'],
    ['a provider on the last day of its contract', 't-prov-d', UNIT.provD1, ORG.regionA, { role: 'provider', askingOrganisation: ORG.provD }, '2026-12-31'],
  ];
  for (const [name, tenant, unit, custodian, expected, today] of cases) {
    it(`${name} → ${typeof expected === 'string' ? expected : (expected as { role: string }).role}`, () => {
      expect(ask(tenant, unit, custodian, today)).to.deep.equal(expected);
    });
  }
});
