// A small synthetic deployment for the routing tests: two welfare regions, THL as shelter organizer, a
// direct provider serving both regions, a parallel joiner of region A, a joint-joining group (main
// joiner + two co-joiners) and a shelter provider with a broad right. Made-up OIDs only.
import { validateConfig } from '../../config/load.ts';
import type { Config, Tenant } from '../../config/schema.ts';
import type { RoutingMeta } from '../../gateway/routing/index.ts';

export const ORG = {
  regionA: '1.2.246.10.1001',
  regionB: '1.2.246.10.1002',
  thl: '1.2.246.10.1003',
  provD: '1.2.246.10.2001',
  para: '1.2.246.10.2002',
  main: '1.2.246.10.2003',
  co1: '1.2.246.10.2004',
  co2: '1.2.246.10.2005',
  shelter: '1.2.246.10.2006',
} as const;

export const UNIT = {
  regionA: '1.2.246.10.1001.10.1',
  regionB: '1.2.246.10.1002.10.1',
  thl: '1.2.246.10.1003.10.1',
  provD1: '1.2.246.10.2001.10.1',
  provD2: '1.2.246.10.2001.10.2',
  para: '1.2.246.10.2002.10.1',
  main: '1.2.246.10.2003.10.1',
  co1: '1.2.246.10.2004.10.1',
  co2: '1.2.246.10.2005.10.1',
  shelter: '1.2.246.10.2006.10.1',
} as const;

const TOKEN = 'a'.repeat(64);
const tenant = (id: string, actsFor: unknown[]) => ({ id, name: id, credentials: { apiTokenSha256: [TOKEN] }, actsFor, accessPoint: 'ap-1', signingIdentity: 'sig-gw' });
const direct = (organisation: string) => ({ organisation, joining: { model: 'direct' } });

export function rawConfig(): Record<string, unknown> {
  return {
    kanta: { accessPoints: [{ id: 'ap-1', url: 'https://kanta.invalid/archive', senderId: '1.2.246.10.9999' }] },
    organisations: [
      { oid: ORG.regionA, name: 'Region A', kind: 'welfare-region' },
      { oid: ORG.regionB, name: 'Region B', kind: 'welfare-region' },
      { oid: ORG.thl, name: 'THL', kind: 'state-agency' },
      { oid: ORG.provD, name: 'Provider D', kind: 'private-provider' },
      { oid: ORG.para, name: 'Parallel P', kind: 'private-provider' },
      { oid: ORG.main, name: 'Main joiner', kind: 'private-provider' },
      { oid: ORG.co1, name: 'Co-joiner 1', kind: 'private-provider' },
      { oid: ORG.co2, name: 'Co-joiner 2', kind: 'private-provider' },
      { oid: ORG.shelter, name: 'Shelter', kind: 'private-provider' },
    ],
    serviceUnits: [
      { oid: UNIT.regionA, organisation: ORG.regionA },
      { oid: UNIT.regionB, organisation: ORG.regionB },
      { oid: UNIT.thl, organisation: ORG.thl },
      { oid: UNIT.provD1, organisation: ORG.provD },
      { oid: UNIT.provD2, organisation: ORG.provD },
      { oid: UNIT.para, organisation: ORG.para },
      { oid: UNIT.main, organisation: ORG.main },
      { oid: UNIT.co1, organisation: ORG.co1 },
      { oid: UNIT.co2, organisation: ORG.co2 },
      { oid: UNIT.shelter, organisation: ORG.shelter },
    ],
    signingIdentities: [{ id: 'sig-gw', certificates: [{ certFile: 'gw.pem', keyFile: 'gw.key' }] }],
    tenants: [
      tenant('t-region-a', [direct(ORG.regionA), { organisation: ORG.para, joining: { model: 'parallel', organizer: ORG.regionA } }]),
      tenant('t-region-b', [direct(ORG.regionB)]),
      tenant('t-prov-d', [direct(ORG.provD)]),
      tenant('t-joint', [
        direct(ORG.main),
        { organisation: ORG.co1, joining: { model: 'joint', mainJoiner: ORG.main } },
        { organisation: ORG.co2, joining: { model: 'joint', mainJoiner: ORG.main } },
      ]),
      tenant('t-thl', [direct(ORG.thl)]),
      tenant('t-shelter', [direct(ORG.shelter)]),
    ],
    contracts: [
      { id: 'c-a-d', organizer: ORG.regionA, provider: ORG.provD, serviceTasks: ['24', '25'], validFrom: '2026-01-01', validTo: '2026-12-31' },
      { id: 'c-b-d', organizer: ORG.regionB, provider: ORG.provD, serviceTasks: ['24'], validFrom: '2026-01-01' },
      { id: 'c-a-para', organizer: ORG.regionA, provider: ORG.para, serviceTasks: ['24'], validFrom: '2026-01-01' },
      { id: 'c-a-co1', organizer: ORG.regionA, provider: ORG.co1, serviceTasks: ['24'], validFrom: '2026-01-01' },
      { id: 'c-a-co2', organizer: ORG.regionA, provider: ORG.co2, serviceTasks: ['24'], validFrom: '2026-01-01' },
      { id: 'c-thl-shelter', organizer: ORG.thl, provider: ORG.shelter, serviceTasks: ['30'], validFrom: '2026-01-01', broadRight: true },
    ],
  };
}

export function fixtureConfig(raw: Record<string, unknown> = rawConfig()): { config: Config; version: string } {
  const loaded = validateConfig(raw, 'routing-fixture.json', '/tmp');
  return { config: loaded.config, version: loaded.version };
}

export function tenantOfConfig(config: Config, id: string): Tenant {
  const t = config.tenants.find((x) => x.id === id);
  if (!t) throw new Error(`fixture has no tenant ${id}`);
  return t;
}

let seq = 0;
export function meta(over: Partial<RoutingMeta> = {}): RoutingMeta {
  seq += 1;
  const id = `1.2.246.10.2001.95777.2026.${seq}`;
  return {
    documentId: id,
    setId: id,
    versionNumber: 1,
    custodian: ORG.regionA,
    outsourcingServiceCustomer: ORG.regionA,
    serviceUnit: UNIT.provD1,
    functionCode: '24',
    documentGroup: '5',
    documentDate: '2026-03-15',
    ...over,
  };
}
