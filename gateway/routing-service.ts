// Intake's view of routing: gathers what the pure decision needs (current right state for the
// custodian and client, the stored parent of a version), calls decide(), and after acceptance learns
// rights from an organizer's asiakkuusasiakirja and journals the routing input for dry runs.
import type { DocumentMetadata, DocumentOperation } from '../domain/document-header.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../domain/document-header.ts';
import type { Tenant } from '../config/schema.ts';
import type { DocumentRecord } from '../domain/document-record.ts';
import type { DocumentStore } from '../queues/document-store.ts';
import type { RegistryRightStore } from './registry-rights/right-store.ts';
import { toJournalEntry, type RoutingJournal } from './registry-rights/routing-journal.ts';
import { decide, type ParentRecord, type RoutingDecision, type RoutingIndex, type RoutingOutcome } from './routing/index.ts';
import type { RoutingPort } from './intake/routing-port.ts';
import type { RightEntriesByTask } from './routing/types.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { rightLearnedEvent } from './audit/audit-events.ts';
import { learnRightsFromKantaAnswer } from './registry-rights/learn-from-kanta-answer.ts';

/** "Hae asiakkuus" through the tenant's access point: the organizer's latest asiakkuusasiakirja. */
export type ClientRelationshipLookup = (args: {
  accessPoint: string;
  organizer: string;
  client: { root: string; extension: string };
  askingUnit: string;
}) => Promise<{ found: boolean; forbidden?: boolean; cda?: Buffer }>;

export interface RoutingServiceDeps {
  index: () => RoutingIndex;
  /** Asked when a provider's right is unknown here (organizer's documents do not pass through the gateway). */
  lookupClientRelationship?: ClientRelationshipLookup;
  rights: RegistryRightStore;
  journal: RoutingJournal;
  store: DocumentStore;
  clientKeySecret: string;
  audit?: AuditLog;
}

export class RoutingService implements RoutingPort {
  constructor(private readonly deps: RoutingServiceDeps) {}

  private async parentOf(meta: DocumentMetadata): Promise<ParentRecord | undefined> {
    if (!meta.parent) return undefined;
    const rec = await this.deps.store.findById(meta.parent.id);
    return rec ? { writerOrganisation: rec.writerOrganisation, controller: rec.controller } : undefined;
  }

  /**
   * The right state in force: a pending state whose document has meanwhile finished is settled here too
   * (the finished event that normally settles it may have been lost to a crash).
   */
  private async rightsInForce(meta: DocumentMetadata, now: Date) {
    const rights = await this.deps.rights.current(meta.custodian, meta.client);
    if (!rights?.pending || rights.source.kind !== 'document') return rights;
    const source = await this.deps.store.findById(rights.source.documentId);
    const outcome = source?.status === 'archived' ? 'archived' : source?.status === 'rejected' || source?.status === 'parked' ? 'refused' : undefined;
    if (!outcome) return rights;
    await this.deps.rights.settle({ organizer: meta.custodian, client: meta.client, documentId: rights.source.documentId, outcome, at: now });
    return this.deps.rights.current(meta.custodian, meta.client);
  }

  /** Called when an organizer's asiakkuusasiakirja finishes: its pending rights come into force or are withdrawn. */
  async settleRights(record: Pick<DocumentRecord, 'documentId' | 'documentGroup' | 'controller' | 'header' | 'decision'>, status: 'archived' | 'rejected' | 'parked', now: Date): Promise<void> {
    if (record.documentGroup !== CLIENT_RELATIONSHIP_GROUP || record.decision.registry !== 'own' || !record.header) return;
    await this.deps.rights.settle({ organizer: record.controller, client: record.header.client, documentId: record.documentId, outcome: status === 'archived' ? 'archived' : 'refused', at: now });
  }

  async decide(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, now: Date): Promise<RoutingOutcome & { rightSourceDocumentId?: string }> {
    let [rights, parent] = await Promise.all([this.rightsInForce(meta, now), this.parentOf(meta)]);
    let outcome = decide({ index: this.deps.index(), tenant, meta, operation, rights, ...(parent ? { parent } : {}), now });
    if (!outcome.accepted && outcome.code === 'RIGHT_NOT_FOUND' && rights === undefined && (await this.learnFromKanta(tenant, meta, now))) {
      rights = await this.deps.rights.current(meta.custodian, meta.client);
      outcome = decide({ index: this.deps.index(), tenant, meta, operation, rights, ...(parent ? { parent } : {}), now });
    }
    if (!outcome.accepted) return outcome;
    const source = rights?.source;
    return { ...outcome, ...(outcome.right && source?.kind === 'document' ? { rightSourceDocumentId: source.documentId } : {}) };
  }

  /**
   * Asks Kanta for the organizer's latest asiakkuusasiakirja and learns its right entries. Transport
   * failures propagate as retryable KANTA_* errors: the tenant is told to try again, not refused.
   */
  private async learnFromKanta(tenant: Tenant, meta: DocumentMetadata, now: Date): Promise<boolean> {
    const lookup = this.deps.lookupClientRelationship;
    if (!lookup || !meta.serviceUnit) return false;
    const answer = await lookup({ accessPoint: tenant.accessPoint, organizer: meta.custodian, client: { root: meta.client.root, extension: meta.client.extension ?? '' }, askingUnit: meta.serviceUnit });
    if (!answer.found || !answer.cda) return false;
    const learned = await learnRightsFromKantaAnswer(this.deps, { organizer: meta.custodian, client: meta.client, cda: answer.cda, at: now });
    return learned?.applied ?? false;
  }

  async afterAccept(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, decision: RoutingDecision, granted: RightEntriesByTask | undefined, now: Date): Promise<void> {
    if (granted && meta.documentGroup === CLIENT_RELATIONSHIP_GROUP && decision.registry === 'own') {
      const entries = granted;
      const r = await this.deps.rights.learnFromDocument({
        organizer: decision.controller,
        client: meta.client,
        setId: meta.setId,
        versionNumber: meta.versionNumber,
        documentId: meta.documentId,
        entries,
        at: now,
        // In force once the archive acknowledges the document (settleRights), not before.
        pending: true,
      });
      if (r.applied) await this.deps.audit?.append(rightLearnedEvent({ organizer: decision.controller, client: meta.client, documentId: meta.documentId, source: 'intake' }));
    }
    const parent = await this.parentOf(meta);
    await this.deps.journal.record(
      toJournalEntry({ at: now, tenantId: tenant.id, operation, meta, ...(parent ? { parent } : {}), decision, clientKeySecret: this.deps.clientKeySecret }),
    );
  }
}
