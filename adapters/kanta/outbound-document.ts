// What the send worker hands the Kanta adapter: the signed CDA bytes plus what the gateway read and
// decided about them. Plain data (no DOM); the bytes are sent exactly as signed.
import type { DocumentMetadata, DocumentOperation } from '../../domain/document-header.ts';

/** Käyttötilanne (1.2.246.537.6.1289.201901): organizer's own registry, or a provider under a registry-use right. */
import type { UsageSituation } from '../../domain/values.ts';
export type RegistryUsage = UsageSituation;

export interface OutboundDocument {
  metadata: DocumentMetadata;
  signedCda: Buffer;
  operation: DocumentOperation;
  usage: RegistryUsage;
}

/** HL7 V3 message id (transmission wrapper `id`). */
export interface MessageId {
  root: string;
  extension: string;
}

/** A message ready for a binding: the bytes are final, nothing re-serialises them. */
export interface BuiltMessage {
  xml: string;
  interactionId: string;
  messageId: MessageId;
}
