// Value types every layer shares. Defined once here so that config validation, intake, routing, the
// queues and the Kanta binding cannot drift apart (each used to keep its own copy).

/** A dotted ISO OID as Kanta and the SOTE organisation register write them (no leading zeros). */
export const OID_PATTERN = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export function isOid(value: unknown): value is string {
  return typeof value === 'string' && OID_PATTERN.test(value);
}

/** Käyttötilanne (1.2.246.537.6.1289.201901): the controller's own registry, or a provider under a registry-use right. */
export type UsageSituation = 'ownUse' | 'registryRight';

/** What a tenant asks the gateway to do with a document (kanta.md §1.2 use cases). */
export type DocumentOperation = 'archive' | 'version' | 'void';

export const DOCUMENT_OPERATIONS: readonly DocumentOperation[] = ['archive', 'version', 'void'];

/** What the queue does after one send, from the archive's answer (adapters/kanta/ack-classification.ts). */
export type SendAction = 'archived' | 'retry' | 'park' | 'reject' | 'park-controller';
