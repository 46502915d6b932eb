// The gateway's durable record of one submitted document: what intake read and decided, where the
// document is in its lifecycle, and what signing and the archive said. Stored by queues/document-store.ts;
// its status changes only through the lifecycle table (domain/lifecycle.ts).
import type { DocumentMetadata } from './document-header.ts';
import type { RoutingDecision } from './routing-decision.ts';
import type { SignatureReceipt } from './signature-receipt.ts';
import type { DocumentOperation, SendAction, UsageSituation } from './values.ts';

/** The archive's answer to the last send, as kept on the record (never the document content). */
export interface AckRecord {
  action: SendAction;
  messageId: string;
  /** Catalogue code (KANTA_*) or the archive's detail code that decided the action. */
  code?: string;
  text?: string;
  /** AA, AE or AR when the archive answered at all. */
  typeCode?: string;
  details?: Array<{ typeCode?: string | undefined; code?: string | undefined; text?: string | undefined }>;
}

export type DocumentStatus = 'accepted' | 'signed' | 'sending' | 'archived' | 'parked' | 'rejected';
/** States after which the queues do nothing more unless an operator reruns (parked) the document. */
export const TERMINAL_STATUSES: ReadonlySet<DocumentStatus> = new Set(['archived', 'parked', 'rejected']);

export interface DocumentRecord {
  tenant: string;
  documentId: string;
  setId: string;
  versionNumber: number;
  submissionId: string;
  operation: DocumentOperation;
  documentGroup: string;
  functionCode?: string;
  status: DocumentStatus;
  code?: string;
  text?: string;
  controller: string;
  accessPoint: string;
  signingIdentity: string;
  usage: UsageSituation;
  writerOrganisation: string;
  ruleId: string;
  /** The routing decision as given in the receipt. */
  decision: RoutingDecision;
  /** The CDA header as read at intake; the Kanta frame is built from it, nothing re-parses the CDA. */
  header?: DocumentMetadata;
  contentSha256: string;
  size: number;
  acceptedAt: string;
  updatedAt: string;
  /** Kanta sends tried (each with a new message id). */
  attempts: number;
  /** Increments on each operator rerun; part of the job id so BullMQ never drops a rerun as duplicate. */
  run: number;
  /** Documents that must be archived before this one is sent (RPLC parent, source of the right used). */
  dependsOn: string[];
  signature?: SignatureReceipt;
  ack?: AckRecord;
  lastMessageId?: string;
  /** Kanta-native intake: the tenant's message id (root^extension) the document came in. */
  tenantMessageId?: string;
}

export interface HistoryEvent {
  at: string;
  status: DocumentStatus | 'rerun' | 'retry' | 'waiting';
  code?: string;
  text?: string;
  attempt?: number;
  messageId?: string;
  run?: number;
  by?: string;
  /** On 'accepted' of a Kanta-native submission: the tenant's message id; sends carry the gateway's (messageId). */
  tenantMessageId?: string;
}

