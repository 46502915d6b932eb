// The JSON view of a relayed answer for a REST tenant: what the archive let the unit see, narrowed to
// what the tenant may see. The asiakkuusasiakirja lists every provider's periods; a provider is shown
// only its own organisations' units, like GET /v1/registry-rights. The document bytes are not passed on
// (a REST tenant asked for the relationship, the rights are its content here). not-permitted is an
// error, not a view (query-relay.md).
import { GatewayError } from '../../domain/errors.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import type { RightEntriesByTask, RightPeriod } from '../routing/types.ts';
import type { RelayedAnswer } from './query-relay.ts';

export interface ClientQueryView {
  outcome: 'found' | 'not-found';
  custodian: string;
  role: RelayedAnswer['role'];
  document?: { documentId: string; setId?: string; versionNumber?: number };
  rights?: Record<string, RightPeriod[]>;
  learned?: boolean;
}

const period = (p: RightPeriod): RightPeriod => ({ unit: p.unit, start: p.start, ...(p.end ? { end: p.end } : {}) });

function allPeriods(entries: RightEntriesByTask): Record<string, RightPeriod[]> {
  return Object.fromEntries(Object.entries(entries).map(([task, list]) => [task, list.map(period)]));
}

function ownPeriods(index: RoutingIndex, orgs: ReadonlySet<string>, entries: RightEntriesByTask): Record<string, RightPeriod[]> {
  const out: Record<string, RightPeriod[]> = {};
  for (const [task, list] of Object.entries(entries)) {
    const mine = list.filter((p) => {
      const owner = index.units.get(p.unit)?.organisation;
      return owner !== undefined && orgs.has(owner);
    });
    if (mine.length) out[task] = mine.map(period);
  }
  return out;
}

export function restViewOf(a: RelayedAnswer, index: RoutingIndex): ClientQueryView {
  if (a.outcome === 'not-permitted') throw new GatewayError('QUERY_NOT_PERMITTED');
  const base = { outcome: a.outcome, custodian: a.query.custodian, role: a.role };
  if (a.outcome === 'not-found') return base;
  const orgs = new Set(a.query.tenant.actsFor.map((x) => x.organisation));
  const l = a.learned;
  const documentId = l?.documentId ?? a.archive.documentId;
  return {
    ...base,
    ...(documentId ? { document: { documentId, ...(l ? { setId: l.setId, versionNumber: l.versionNumber } : {}) } } : {}),
    ...(l ? { rights: a.role === 'organizer' ? allPeriods(l.entries) : ownPeriods(index, orgs, l.entries), learned: l.applied } : {}),
  };
}
