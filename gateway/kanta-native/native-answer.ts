// What the Kanta-native endpoint answers, as data for adapters/intake/kanta-native/native-ack.ts:
//  - an intake refusal at once: AR when the message itself is wrong (HTTP-400-class codes), AE for a
//    business refusal (rights, routing, duplicates, credentials), the gateway's code as the detail;
//    a transient gateway trouble (retryable code) also carries the pending detail code so a certified
//    client resends;
//  - a document with an outcome: the archive's own acknowledgement relayed (typeCode and details as
//    Kanta gave them); an outcome without one (e.g. a signing failure) as AE with the gateway's code;
//  - a document still on its way when the hold ends: the documented transient answer (pendingAnswer).
import type { NativeAckDetail, NativeAckType } from '../../adapters/intake/kanta-native/native-ack.ts';
import { TERMINAL_STATUSES, type DocumentRecord } from '../../domain/document-record.ts';
import { ERROR_CATALOGUE, GatewayError } from '../../domain/errors.ts';
import type { KantaNativeConfig } from '../../config/schema.ts';

export interface NativeAnswer {
  typeCode: NativeAckType;
  details: NativeAckDetail[];
}

const STRUCTURAL_STATUSES = new Set([400, 408, 413, 415, 431]);

function pendingDetail(pending: KantaNativeConfig['pendingAnswer'], text: string): NativeAckDetail {
  return { typeCode: 'E', code: pending.detailCode, text };
}

export function answerForError(err: unknown, pending: KantaNativeConfig['pendingAnswer']): NativeAnswer {
  const ge = err instanceof GatewayError ? err : new GatewayError('INTERNAL');
  const field = typeof ge.details?.field === 'string' ? ge.details.field : undefined;
  const own: NativeAckDetail = { typeCode: 'E', code: ge.code, text: ge.message, ...(field ? { location: field } : {}) };
  if (ge.retryable) return { typeCode: pending.typeCode, details: [pendingDetail(pending, ERROR_CATALOGUE[ge.code].message), own] };
  return { typeCode: STRUCTURAL_STATUSES.has(ge.status) ? 'AR' : 'AE', details: [own] };
}

function relayedDetails(r: DocumentRecord): NativeAckDetail[] {
  return (r.ack?.details ?? []).flatMap((d) => {
    if (!d.code) return [];
    const typeCode = d.typeCode === 'W' || d.typeCode === 'I' ? d.typeCode : 'E';
    return [{ typeCode, code: d.code, ...(d.text ? { text: d.text } : {}) }];
  });
}

export function answerForRecord(r: DocumentRecord, pending: KantaNativeConfig['pendingAnswer']): NativeAnswer {
  if (!TERMINAL_STATUSES.has(r.status)) {
    return {
      typeCode: pending.typeCode,
      details: [
        pendingDetail(pending, 'The gateway accepted the document; the archive has not answered yet. Send the same message again later.'),
        { typeCode: 'I', code: 'NATIVE_OUTCOME_PENDING', text: `document status: ${r.status}` },
      ],
    };
  }
  const acked = r.ack?.typeCode === 'AA' || r.ack?.typeCode === 'AE' || r.ack?.typeCode === 'AR' ? (r.ack.typeCode as NativeAckType) : undefined;
  if (r.status === 'archived') return { typeCode: 'AA', details: relayedDetails(r) };
  if (acked && acked !== 'AA') return { typeCode: acked, details: relayedDetails(r) };
  // Parked or rejected by the gateway itself (no archive answer to relay).
  return { typeCode: 'AE', details: [{ typeCode: 'E', code: r.code ?? 'INTERNAL', ...(r.text ? { text: r.text } : {}) }] };
}
