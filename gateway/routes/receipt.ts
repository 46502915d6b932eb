// The receipt a tenant gets at intake and, extended with progress, from the status endpoint.
import type { DocumentRecord, DocumentStatus } from '../../domain/document-record.ts';
import type { RoutingDecision } from '../../domain/routing-decision.ts';

export interface Receipt {
  submissionId: string;
  documentId: string;
  setId: string;
  version: number;
  controller: string;
  status: DocumentStatus;
  statusUrl: string;
  acceptedAt: string;
  routing: RoutingDecision;
}

export function receiptOf(rec: DocumentRecord): Receipt {
  return {
    submissionId: rec.submissionId,
    documentId: rec.documentId,
    setId: rec.setId,
    version: rec.versionNumber,
    controller: rec.controller,
    status: rec.status,
    statusUrl: `/v1/documents/${encodeURIComponent(rec.documentId)}`,
    acceptedAt: rec.acceptedAt,
    routing: rec.decision,
  };
}
