// The one core both entry points use (REST POST /v1/client-queries and the Kanta-native SOAP query):
// authorise from configuration → relay through the tenant's access point (the Kanta client re-frames
// it with the access point's own sender id and a new message id) → read the archive's answer → learn
// registry-use rights from a found asiakkuusasiakirja as the routing miss does → write the disclosure
// entry (luovutusloki) → hand the answer back. The disclosure is written before the tenant hears
// anything: an answer the usage log could not record is not given (the append's error is the answer).
import type { ClientRelationshipAnswer } from '../../adapters/kanta/query-answer.ts';
import type { ClientRelationshipQuery } from '../../adapters/kanta/query-builder.ts';
import { isValidHetu } from '../../adapters/cda/hetu.ts';
import type { AccessPoint } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { disclosureEvent, type DisclosureOutcome } from '../audit/audit-events.ts';
import { learnRightsFromKantaAnswer, type LearnedFromAnswer } from '../registry-rights/learn-from-kanta-answer.ts';
import type { RegistryRightStore } from '../registry-rights/right-store.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import { finnishDate } from '../routing/finnish-date.ts';
import { checkTestPerson } from '../intake/test-person-guard.ts';
import { authoriseQuery, type QueryAuthorisation } from './authorise-query.ts';
import type { ClientQuery } from './client-query.ts';

const HETU_ROOT = '1.2.246.21';

export interface QueryRelayDeps {
  index: () => RoutingIndex;
  /** "Hae asiakkuus" through one access point (AccessPointSenders.queryClientRelationship). */
  query: (accessPointId: string, q: ClientRelationshipQuery) => Promise<ClientRelationshipAnswer>;
  /** The configured access point (its environment decides which clients may be asked about). */
  accessPoint: (id: string) => AccessPoint | undefined;
  rights: RegistryRightStore;
  audit: AuditLog;
  now?: () => Date;
}

export interface RelayedAnswer extends QueryAuthorisation {
  outcome: DisclosureOutcome;
  query: ClientQuery;
  /** The archive's answer as read (ack, and when found the document and its controlActProcess). */
  archive: ClientRelationshipAnswer;
  /** When found and the document is the custodian's asiakkuusasiakirja: what it lists. */
  learned?: LearnedFromAnswer;
}

/** A hetu-rooted id must pass its checksum; the message names the field, never the value. */
export function checkPersonId(id: { root: string; extension: string }, field: 'client' | 'actingPerson'): void {
  if (id.root === HETU_ROOT && !isValidHetu(id.extension)) {
    throw new GatewayError('INTAKE_INVALID_HETU', `The ${field} personal identity code fails its checksum`, { details: { field } });
  }
}

export class QueryRelay {
  private readonly now: () => Date;

  constructor(private readonly deps: QueryRelayDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async relay(q: ClientQuery, channel: 'rest' | 'kanta-native'): Promise<RelayedAnswer> {
    checkPersonId(q.client, 'client');
    if (q.actingPerson) checkPersonId(q.actingPerson, 'actingPerson');
    const index = this.deps.index();
    const auth = authoriseQuery(index, q, finnishDate(this.now()));
    const ap = this.deps.accessPoint(q.tenant.accessPoint);
    if (!ap) throw new GatewayError('ROUTE_NO_ACCESS_POINT', undefined, { details: { accessPoint: q.tenant.accessPoint } });
    // A real person's hetu never leaves towards the customer-test environment, a query no more than a document.
    checkTestPerson({ client: q.client }, ap);

    const archive = await this.deps.query(q.tenant.accessPoint, {
      organizer: q.custodian,
      client: q.client,
      askingUnit: q.askingUnit,
      ...(q.actingPerson ? { actingPerson: q.actingPerson } : {}),
    });
    const outcome = outcomeOf(archive, auth);
    let learned: LearnedFromAnswer | undefined;
    if (outcome === 'found' && archive.cda) {
      learned = await learnRightsFromKantaAnswer(this.deps, { organizer: q.custodian, client: q.client, cda: archive.cda, at: this.now() });
    }
    const id = archive.queryMessageId;
    await this.deps.audit.append(
      disclosureEvent({
        tenant: q.tenant,
        controller: q.custodian,
        askingOrganisation: auth.askingOrganisation,
        askingUnit: q.askingUnit,
        client: q.client,
        outcome,
        channel,
        queryMessageId: id ? `${id.root}^${id.extension ?? ''}` : 'unknown',
        ...(outcome === 'found' && archive.documentId ? { documentId: archive.documentId } : {}),
        ...(q.actingPerson ? { actingPersonKey: this.deps.audit.clientKeyOf(q.actingPerson) } : {}),
      }),
    );
    return { ...auth, outcome, query: q, archive, ...(learned ? { learned } : {}) };
  }
}

/**
 * The archive tells the organizer itself that a client has no relationship (NOT_FOUND); a provider it
 * tells QUERY_FORBIDDEN either way. Should a provider ever hear NOT_FOUND, it is passed on as
 * not-permitted too: a provider must not learn from the gateway whether the client exists.
 */
function outcomeOf(a: ClientRelationshipAnswer, auth: QueryAuthorisation): DisclosureOutcome {
  if (a.found) return 'found';
  if (a.forbidden || auth.role === 'provider') return 'not-permitted';
  return 'not-found';
}
