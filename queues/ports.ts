// The queue layer's ports, defined in domain/ (signing and sending implement them without importing queues/).
export type { DocumentSender, DocumentSigner, OutboundDocument, SendResult } from '../domain/ports.ts';
export type { SendAction } from '../domain/values.ts';
