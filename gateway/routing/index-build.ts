// The routing index: the configuration turned into lookup maps once per configuration version, so a
// decision is a handful of map reads. Rebuilt (never patched) on reload; frozen so a decision in flight
// keeps the version it started with.
import type { ActsFor, Config, Contract, Organisation, ServiceUnit, Tenant } from '../../config/schema.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import type { SendLane } from './types.ts';

export interface RoutingIndexOptions {
  /**
   * documentGroup codes that open or close a case and so are organizer documentation a provider may
   * write only under a broad right. Only group 1 (asiakkuusasiakirja) is confirmed by public samples;
   * "2" (asia-asiakirja) is this project's assumption.
   * @defaultValue ['2']
   */
  caseDocumentGroups?: string[];
}

export const DEFAULT_CASE_DOCUMENT_GROUPS: readonly string[] = Object.freeze(['2']);

export interface RoutingIndex {
  readonly configVersion: string;
  readonly organisations: ReadonlyMap<string, Organisation>;
  readonly units: ReadonlyMap<string, ServiceUnit>;
  /** Contracts by `${organizer}|${provider}`. */
  readonly contracts: ReadonlyMap<string, readonly Contract[]>;
  /** Organisations that are the organizer in at least one contract. */
  readonly organizers: ReadonlySet<string>;
  readonly tenants: ReadonlyMap<string, Tenant>;
  /** A tenant's actsFor entries by organisation OID. */
  readonly actsForByTenant: ReadonlyMap<string, ReadonlyMap<string, ActsFor>>;
  /** Tenants acting for an organisation, by organisation OID. */
  readonly tenantsByOrganisation: ReadonlyMap<string, readonly { tenantId: string; actsFor: ActsFor }[]>;
  /** Joint-joining group (main joiner OID) of each co-joiner and of each main joiner itself. */
  readonly jointGroupOf: ReadonlyMap<string, string>;
  readonly accessPoints: ReadonlySet<string>;
  readonly signingIdentities: ReadonlySet<string>;
  /** Groups a provider writes only under a broad right: client relationship plus case groups. */
  readonly organizerOnlyGroups: ReadonlySet<string>;
  readonly caseDocumentGroups: readonly string[];
  /**
   * Registries (controller OIDs) each tenant may write into: the organisations it acts for, the
   * organizer of a parallel joiner, and the organizer of every contract of an organisation it acts for.
   */
  readonly controllersByTenant: ReadonlyMap<string, readonly string[]>;
  /** Every send lane the configuration implies: each tenant's access point × the registries it may write. */
  readonly lanes: readonly SendLane[];
}

export function contractKey(organizer: string, provider: string): string {
  return `${organizer}|${provider}`;
}

export function buildRoutingIndex(config: Config, configVersion: string, opts: RoutingIndexOptions = {}): RoutingIndex {
  const caseGroups = Object.freeze([...(opts.caseDocumentGroups ?? DEFAULT_CASE_DOCUMENT_GROUPS)]);
  for (const g of caseGroups) {
    if (!/^\d+$/.test(g)) throw new TypeError(`caseDocumentGroups: "${g}" is not a documentGroup code`);
  }

  const organisations = new Map(config.organisations.map((o) => [o.oid, o]));
  const units = new Map(config.serviceUnits.map((u) => [u.oid, u]));

  const contracts = new Map<string, Contract[]>();
  const organizers = new Set<string>();
  for (const c of config.contracts) {
    const key = contractKey(c.organizer, c.provider);
    const list = contracts.get(key);
    if (list) list.push(c);
    else contracts.set(key, [c]);
    organizers.add(c.organizer);
  }
  for (const list of contracts.values()) Object.freeze(list);

  const tenants = new Map(config.tenants.map((t) => [t.id, t]));
  const actsForByTenant = new Map<string, ReadonlyMap<string, ActsFor>>();
  const tenantsByOrganisation = new Map<string, { tenantId: string; actsFor: ActsFor }[]>();
  const jointGroupOf = new Map<string, string>();
  for (const t of config.tenants) {
    actsForByTenant.set(t.id, new Map(t.actsFor.map((a) => [a.organisation, a])));
    for (const a of t.actsFor) {
      const list = tenantsByOrganisation.get(a.organisation);
      if (list) list.push({ tenantId: t.id, actsFor: a });
      else tenantsByOrganisation.set(a.organisation, [{ tenantId: t.id, actsFor: a }]);
      if (a.joining.model === 'joint') {
        jointGroupOf.set(a.organisation, a.joining.mainJoiner);
        jointGroupOf.set(a.joining.mainJoiner, a.joining.mainJoiner);
      }
    }
  }

  const controllersByTenant = new Map<string, readonly string[]>();
  const lanes = new Map<string, SendLane>();
  for (const t of config.tenants) {
    const orgs = new Set<string>();
    for (const a of t.actsFor) {
      orgs.add(a.organisation);
      if (a.joining.model === 'parallel') orgs.add(a.joining.organizer);
      for (const c of config.contracts) if (c.provider === a.organisation) orgs.add(c.organizer);
    }
    controllersByTenant.set(t.id, Object.freeze([...orgs]));
    for (const controller of orgs) lanes.set(`${t.accessPoint}|${controller}`, Object.freeze({ accessPoint: t.accessPoint, controller }));
  }

  return Object.freeze({
    configVersion,
    organisations,
    units,
    contracts,
    organizers,
    tenants,
    actsForByTenant,
    tenantsByOrganisation,
    jointGroupOf,
    accessPoints: new Set(config.kanta.accessPoints.map((a) => a.id)),
    signingIdentities: new Set(config.signingIdentities.map((s) => s.id)),
    organizerOnlyGroups: new Set([CLIENT_RELATIONSHIP_GROUP, ...caseGroups]),
    caseDocumentGroups: caseGroups,
    controllersByTenant,
    lanes: Object.freeze([...lanes.values()]),
  });
}
