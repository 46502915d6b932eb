// Whether a tenant may ask "Hae asiakkuus" at all, decided from configuration only: the asking unit
// must belong to an organisation the tenant acts for, and the registry must be that organisation's own
// or one where it could hold a registry-use right (its parallel joiner's organizer, or an organizer
// with a contract valid today). Nothing about the client is read here, so a refusal is the same answer,
// in the same time, whether the client exists or not; whether a provider may see this client is the
// archive's decision (QUERY_FORBIDDEN → QUERY_NOT_PERMITTED, query-relay.ts).
import { GatewayError } from '../../domain/errors.ts';
import { contractKey, type RoutingIndex } from '../routing/index-build.ts';
import { withinDays } from '../routing/finnish-date.ts';
import type { ClientQuery, QueryRole } from './client-query.ts';

export interface QueryAuthorisation {
  role: QueryRole;
  /** Owner of the asking unit: the organisation the tenant acted for. */
  askingOrganisation: string;
}

export function authoriseQuery(index: RoutingIndex, q: Pick<ClientQuery, 'tenant' | 'askingUnit' | 'custodian'>, today: string): QueryAuthorisation {
  const actsFor = index.actsForByTenant.get(q.tenant.id);
  const owner = index.units.get(q.askingUnit)?.organisation;
  const entry = owner === undefined ? undefined : actsFor?.get(owner);
  // An unknown unit and another tenant's unit get the same refusal: the answer does not map the register.
  if (owner === undefined || !entry) throw new GatewayError('QUERY_UNIT_FOREIGN', undefined, { details: { askingUnit: q.askingUnit } });
  if (q.custodian === owner) return { role: 'organizer', askingOrganisation: owner };
  if (entry.joining.model === 'parallel' && entry.joining.organizer === q.custodian) return { role: 'provider', askingOrganisation: owner };
  const contracts = index.contracts.get(contractKey(q.custodian, owner)) ?? [];
  if (contracts.some((c) => withinDays(today, c.validFrom, c.validTo))) return { role: 'provider', askingOrganisation: owner };
  throw new GatewayError('QUERY_CUSTODIAN_FOREIGN', undefined, { details: { custodian: q.custodian, askingUnit: q.askingUnit } });
}
