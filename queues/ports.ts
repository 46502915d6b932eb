// The narrow interfaces the queue layer needs from signing and from Kanta. main.ts adapts the
// signer pool (certs/) and the Kanta client (adapters/kanta/) to them; tests and the queue benchmark
// give their own implementations.
import type { DocumentMetadata, DocumentOperation } from '../domain/document-header.ts';
import type { AckRecord } from '../domain/document-record.ts';
import type { SignatureReceipt } from '../domain/signature-receipt.ts';

export interface DocumentSigner {
  sign(identityId: string, cdaXml: string): Promise<{ signedXml: string; receipt: SignatureReceipt }>;
}

export type { SendAction } from '../domain/values.ts';
import type { SendAction, UsageSituation } from '../domain/values.ts';

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

/** The queue layer hands over bytes and ids; reading the CDA for the frame is the sender's business. */
export interface OutboundDocument {
  signedCda: Buffer;
  operation: DocumentOperation;
  usage: UsageSituation;
  /** The CDA header read at intake (absent only for records stored before it was kept). */
  metadata?: DocumentMetadata;
}

export interface DocumentSender {
  send(accessPointId: string, doc: OutboundDocument): Promise<SendResult>;
}
