// Intake's view of routing: gathers what the pure decision needs (current right state for the
// custodian and client, the stored parent of a version), calls decide(), and after acceptance learns
// rights from an organizer's asiakkuusasiakirja and journals the routing input for dry runs.
import type { DocumentMetadata, DocumentOperation } from '../adapters/cda/document-metadata.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../adapters/cda/document-metadata.ts';
import { readBodyJson } from '../adapters/cda/read-metadata.ts';
import type { Tenant } from '../config/schema.ts';
import type { DocumentStore } from '../queues/document-store.ts';
import type { RegistryRightStore } from './registry-rights/right-store.ts';
import { toJournalEntry, type RoutingJournal } from './registry-rights/routing-journal.ts';
import { decide, extractRightsFromClientRelationship, type ParentRecord, type RoutingDecision, type RoutingIndex, type RoutingOutcome } from './routing/index.ts';
import type { RoutingPort } from './routes/intake.ts';

export interface RoutingServiceDeps {
  index: () => RoutingIndex;
  rights: RegistryRightStore;
  journal: RoutingJournal;
  store: DocumentStore;
  clientKeySecret: string;
}

export class RoutingService implements RoutingPort {
  constructor(private readonly deps: RoutingServiceDeps) {}

  private async parentOf(meta: DocumentMetadata): Promise<ParentRecord | undefined> {
    if (!meta.parent) return undefined;
    const rec = await this.deps.store.findById(meta.parent.id);
    return rec ? { writerOrganisation: rec.writerOrganisation, controller: rec.controller } : undefined;
  }

  async decide(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, now: Date): Promise<RoutingOutcome & { rightSourceDocumentId?: string }> {
    const [rights, parent] = await Promise.all([this.deps.rights.current(meta.custodian, meta.client), this.parentOf(meta)]);
    const outcome = decide({ index: this.deps.index(), tenant, meta, operation, rights, ...(parent ? { parent } : {}), now });
    if (!outcome.accepted) return outcome;
    const source = rights?.source;
    return { ...outcome, ...(outcome.right && source?.kind === 'document' ? { rightSourceDocumentId: source.documentId } : {}) };
  }

  /** Throws a coded error when an asiakkuusasiakirja's right entries cannot be read (before acceptance). */
  validateClientRelationship(meta: DocumentMetadata, doc: Document): void {
    if (meta.documentGroup === CLIENT_RELATIONSHIP_GROUP) extractRightsFromClientRelationship(readBodyJson(doc));
  }

  async afterAccept(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, decision: RoutingDecision, doc: Document, now: Date): Promise<void> {
    if (meta.documentGroup === CLIENT_RELATIONSHIP_GROUP && decision.registry === 'own') {
      const entries = extractRightsFromClientRelationship(readBodyJson(doc));
      await this.deps.rights.learnFromDocument({
        organizer: decision.controller,
        client: meta.client,
        setId: meta.setId,
        versionNumber: meta.versionNumber,
        documentId: meta.documentId,
        entries,
        at: now,
      });
    }
    const parent = await this.parentOf(meta);
    await this.deps.journal.record(
      toJournalEntry({ at: now, tenantId: tenant.id, operation, meta, ...(parent ? { parent } : {}), decision, clientKeySecret: this.deps.clientKeySecret }),
    );
  }
}
