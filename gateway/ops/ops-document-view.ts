// An operator's view of one document (GET /v1/ops/documents/:id and the console's document page): its
// processing data — status, routing decision, signature receipt, the archive's acks, history — looked
// up by document id or submission id across tenants. Never the content and never the client: the
// record's CDA header (which names the client) is left out field by field, not filtered afterwards.
import type { DocumentRecord } from '../../domain/document-record.ts';
import type { DocumentStore } from '../../queues/document-store.ts';
import { progressOf, type DocumentProgress } from '../routes/receipt.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OpsDocumentView extends DocumentProgress {
  tenant: string;
  accessPoint: string;
  operation: DocumentRecord['operation'];
  documentGroup: string;
  writerOrganisation: string;
  size: number;
}

/** The record for a document id or submission id, whichever tenant sent it. */
export async function findDocument(store: Pick<DocumentStore, 'bySubmission' | 'get' | 'findById'>, id: string): Promise<DocumentRecord | undefined> {
  if (UUID.test(id)) {
    const sub = await store.bySubmission(id);
    return sub ? store.get(sub.tenant, sub.documentId) : undefined;
  }
  return store.findById(id);
}

export async function opsDocumentView(store: Pick<DocumentStore, 'history'>, rec: DocumentRecord): Promise<OpsDocumentView> {
  const history = await store.history(rec.tenant, rec.documentId);
  return {
    ...progressOf(rec, history),
    tenant: rec.tenant,
    accessPoint: rec.accessPoint,
    operation: rec.operation,
    documentGroup: rec.documentGroup,
    writerOrganisation: rec.writerOrganisation,
    size: rec.size,
  };
}
