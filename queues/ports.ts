// The narrow interfaces the queue layer needs from signing and from Kanta. main.ts adapts the
// signer pool (certs/) and the Kanta client (adapters/kanta/) to them; tests and the queue benchmark
// give their own implementations.
import type { DocumentOperation } from '../adapters/cda/document-metadata.ts';

export interface DocumentSigner {
  sign(identityId: string, cdaXml: string): Promise<{ signedXml: string; receipt: Record<string, unknown> }>;
}

export type SendAction = 'archived' | 'retry' | 'park' | 'reject' | 'park-controller';

export interface SendResult {
  action: SendAction;
  messageId: string;
  /** Catalogue code (KANTA_*) or the archive's detail code. */
  code?: string;
  text?: string;
  /** True when nothing was heard from the archive (timeout, reset, 5xx, 503): counts against the circuit. */
  transportFailure: boolean;
  retryAfterSeconds?: number;
  ack?: Record<string, unknown>;
  durationMs: number;
}

/** The queue layer hands over bytes and ids; reading the CDA for the frame is the sender's business. */
export interface OutboundDocument {
  signedCda: Buffer;
  operation: DocumentOperation;
  usage: 'ownUse' | 'registryRight';
}

export interface DocumentSender {
  send(accessPointId: string, doc: OutboundDocument): Promise<SendResult>;
}
