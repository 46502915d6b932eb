// The narrow interfaces between the queue layer and the two things it drives: signing (certs/ — the
// signer pool implements DocumentSigner directly) and sending to Kanta (adapters/kanta/ — the
// access-point senders implement DocumentSender). In domain/ so that neither side imports the other;
// tests and the queue benchmark give their own implementations.
import type { DocumentMetadata, DocumentOperation } from './document-header.ts';
import type { AckRecord } from './document-record.ts';
import type { RoutingDecision } from './routing-decision.ts';
import type { SignatureReceipt } from './signature-receipt.ts';

export interface DocumentSigner {
  sign(identityId: string, cdaXml: string): Promise<{ signedXml: string; receipt: SignatureReceipt }>;
}

import type { SendAction, UsageSituation } from './values.ts';

export interface SendResult {
  action: SendAction;
  messageId: string;
  /** Catalogue code (KANTA_*) or the archive's detail code. */
  code?: string;
  text?: string;
  /** True when nothing was heard from the archive (timeout, reset, 5xx, 503): counts against the circuit. */
  transportFailure: boolean;
  retryAfterSeconds?: number;
  ack?: Pick<AckRecord, 'typeCode' | 'details'>;
  durationMs: number;
}

/** What the queue hands the sender: the signed bytes exactly as stored, and what intake read and decided. */
export interface OutboundDocument {
  signedCda: Buffer;
  operation: DocumentOperation;
  usage: UsageSituation;
  /** The CDA header read at intake (absent only for records stored before it was kept). */
  metadata?: DocumentMetadata;
  /** The routing decision: the frame names the unit that performs the operation (adapters/kanta/frame-parts.ts). */
  decision?: Pick<RoutingDecision, 'ruleId' | 'writerOrganisation'>;
}

export interface DocumentSender {
  send(accessPointId: string, doc: OutboundDocument): Promise<SendResult>;
}
