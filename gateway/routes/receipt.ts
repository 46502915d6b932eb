// The receipt a tenant gets at intake and, extended with progress, from the status endpoint.
import type { DocumentRecord, DocumentStatus, HistoryEvent } from '../../domain/document-record.ts';
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

/** The receipt with the document's progress: what the status endpoint and the ops document view both show. */
export interface DocumentProgress extends Receipt {
  code?: string;
  text?: string;
  updatedAt: string;
  attempts: number;
  run: number;
  dependsOn: string[];
  signature?: DocumentRecord['signature'];
  ack?: DocumentRecord['ack'];
  history: HistoryEvent[];
}

export function progressOf(rec: DocumentRecord, history: HistoryEvent[]): DocumentProgress {
  return {
    ...receiptOf(rec),
    ...(rec.code ? { code: rec.code } : {}),
    ...(rec.text ? { text: rec.text } : {}),
    updatedAt: rec.updatedAt,
    attempts: rec.attempts,
    run: rec.run,
    dependsOn: rec.dependsOn,
    ...(rec.signature ? { signature: rec.signature } : {}),
    ...(rec.ack ? { ack: rec.ack } : {}),
    history,
  };
}
