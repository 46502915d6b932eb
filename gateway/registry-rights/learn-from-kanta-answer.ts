// Learning registry-use rights from the organizer's asiakkuusasiakirja that a "Hae asiakkuus" answer
// carried: the same step for the routing miss (routing-service.ts) and the tenant's query relay
// (gateway/query-relay/). The archive holds the truth, so what it returns is in force at once (not
// pending as at intake). Only a client-relationship document of the organizer asked about teaches
// anything; anything else in an answer is ignored rather than trusted.
import { readBodyJson, readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { rightLearnedEvent } from '../audit/audit-events.ts';
import { extractRightsFromClientRelationship } from '../routing/extract-rights.ts';
import type { RightEntriesByTask } from '../routing/types.ts';
import type { ClientId, RegistryRightStore } from './right-store.ts';

export interface LearnedFromAnswer {
  /** The state changed (a newer version than any seen for the set). */
  applied: boolean;
  documentId: string;
  setId: string;
  versionNumber: number;
  /** Every right entry the document lists (callers show a provider only its own units). */
  entries: RightEntriesByTask;
}

/** Undefined when the returned document is not the organizer's asiakkuusasiakirja. */
export async function learnRightsFromKantaAnswer(
  deps: { rights: RegistryRightStore; audit?: AuditLog | undefined },
  a: { organizer: string; client: ClientId; cda: Buffer; at: Date },
): Promise<LearnedFromAnswer | undefined> {
  const doc = parseXmlSafely(a.cda.toString('utf8'));
  const found = readDocumentMetadata(doc);
  if (found.custodian !== a.organizer || found.documentGroup !== CLIENT_RELATIONSHIP_GROUP) return undefined;
  const entries = extractRightsFromClientRelationship(readBodyJson(doc));
  const r = await deps.rights.learnFromDocument({
    organizer: a.organizer,
    client: a.client,
    setId: found.setId,
    versionNumber: found.versionNumber,
    documentId: found.documentId,
    entries,
    at: a.at,
  });
  if (r.applied) await deps.audit?.append(rightLearnedEvent({ organizer: a.organizer, client: a.client, documentId: found.documentId, source: 'kanta-query' }));
  return { applied: r.applied, documentId: found.documentId, setId: found.setId, versionNumber: found.versionNumber, entries };
}
