// The error catalogue as the API description shows it: every code with its status, retryability and
// message, the operations that can answer with it, and, for codes no route answers with, where a
// client or operator meets them instead.
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import { errorCodesOf, type RouteSpec } from './route-spec.ts';

/**
 * document-status: set on a document as it is signed and sent, read as `code` from
 * GET /v1/documents/{id} (and in the usage log); process: raised while loading configuration, keys or
 * Redis at startup or reload (the log, readiness, the reload answer's `error`); kanta-native-answer: an
 * acknowledgementDetail code in the answer to a Kanta-native "Hae asiakkuus" (query relay).
 */
export type ReportedOn = 'document-status' | 'process'
  // Kanta-native intake and query relay: a detail code inside the Kanta-format answer (MCCI_IN000002UV01,
  // RCMR_IN200011FI01) to a Kanta-native tenant (docs/kanta-native-intake.md, docs/query-relay.md).
  | 'kanta-native-answer'
  // callbacks (issue 12 item 3): `lastError.code` of an entry in the callback dead-letter view
  | 'callback-dead-letter';

export const REPORTED_OUTSIDE_RESPONSES: Readonly<Partial<Record<ErrorCode, ReportedOn>>> = {
  CONFIG_INVALID: 'process',
  CONFIG_NOT_LOADED: 'process',
  CERT_LOAD_FAILED: 'process',
  CERT_WRONG_PASSWORD: 'process',
  CERT_KEY_MISMATCH: 'process',
  CERT_EXPIRED: 'process',
  CERT_NOT_YET_VALID: 'process',
  CERT_KEY_USAGE: 'process',
  CERT_NO_VALID_IDENTITY: 'document-status',
  SIGN_FAILED: 'document-status',
  SIGN_SELF_CHECK_FAILED: 'document-status',
  SIGNATURE_INVALID: 'document-status',
  KANTA_TIMEOUT: 'document-status',
  KANTA_CONNECTION: 'document-status',
  KANTA_HTTP_5XX: 'document-status',
  KANTA_UNAVAILABLE: 'document-status',
  KANTA_HTTP_4XX: 'document-status',
  KANTA_BAD_RESPONSE: 'document-status',
  KANTA_REJECTED: 'document-status',
  KANTA_APPLICATION_ERROR: 'document-status',
  KANTA_CONTROLLER_BLOCKED: 'document-status',
  KANTA_CIRCUIT_OPEN: 'document-status',
  KANTA_TLS_HANDSHAKE: 'document-status',
  KANTA_ACK_TRANSIENT: 'document-status',
  QUEUE_RETRY_BUDGET_EXHAUSTED: 'document-status',
  QUEUE_PAYLOAD_MISSING: 'document-status',
  QUEUE_REDIS_EVICTING: 'process',
  QUEUE_TRANSITION_REFUSED: 'process',
  QUEUE_PARENT_UNKNOWN: 'document-status',
  SIGN_DOCUMENT_UNSIGNABLE: 'document-status',
  // query relay
  QUERY_INVALID: 'kanta-native-answer',
  // audit retention / privacy: raised by the usage-log sealer (its log line, the next pass redoes the work)
  AUDIT_SEGMENT_CHAIN_BROKEN: 'process',
  AUDIT_SEALER_LOCK_LOST: 'process',
  // Kanta-native intake (issue 12): answered inside MCCI_IN000002UV01 on the SOAP endpoint, not by a /v1 route.
  NATIVE_FRAME_INVALID: 'kanta-native-answer',
  NATIVE_INTERACTION_UNSUPPORTED: 'kanta-native-answer',
  NATIVE_MIME_INVALID: 'kanta-native-answer',
  NATIVE_FRAME_CDA_MISMATCH: 'kanta-native-answer',
  NATIVE_SERVICE_REQUEST_MISMATCH: 'kanta-native-answer',
  NATIVE_USE_SITUATION_MISMATCH: 'kanta-native-answer',
  NATIVE_QUERY_UNAVAILABLE: 'kanta-native-answer',
  NATIVE_OUTCOME_PENDING: 'kanta-native-answer',
  // command line: config check --deep
  CONFIG_FILE_UNREADABLE: 'process',
  CONFIG_ENV_MISSING: 'process',
  BACKFILL_INPUT_INVALID: 'process',
  BACKFILL_STATE_MISMATCH: 'process',
  // callbacks (issue 12 item 3)
  CALLBACK_TIMEOUT: 'callback-dead-letter',
  CALLBACK_CONNECTION: 'callback-dead-letter',
  CALLBACK_HTTP_STATUS: 'callback-dead-letter',
};

export interface CatalogueEntry {
  code: ErrorCode;
  status: number;
  retryable: boolean;
  message: string;
  /** operationIds that can answer with this code. */
  operations: string[];
  reportedOn?: ReportedOn;
}

export function errorCatalogueEntries(specs: readonly RouteSpec[]): CatalogueEntry[] {
  const byCode = new Map<ErrorCode, string[]>();
  for (const spec of specs) for (const code of errorCodesOf(spec)) byCode.set(code, [...(byCode.get(code) ?? []), spec.operationId]);
  return (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map((code) => {
    const { status, retryable, message } = ERROR_CATALOGUE[code];
    const reportedOn = REPORTED_OUTSIDE_RESPONSES[code];
    return { code, status, retryable, message, operations: byCode.get(code) ?? [], ...(reportedOn ? { reportedOn } : {}) };
  });
}
