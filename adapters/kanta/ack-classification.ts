// What the gateway does with each answer from Kanta: the one place where detail codes, SOAP faults and
// transport errors become actions. Data first (docs/kanta-binding.md "Adapter notes" lists every row),
// then the small functions that apply it. Actions:
//   archived         Kanta holds the document (AA, including an identical resend: ALREADY_ARCHIVED)
//   retry            may pass later unchanged (transport trouble, ordering not yet satisfied)
//   park             keep the document for an operator: the gateway, its config or Kanta's view is off
//   reject           the tenant's document itself is refused; the tenant must fix and resend
//   park-controller  every document of the controller would fail the same way (access point, joining,
//                    signer): stop that controller instead of hammering Kanta (domain.md: Kela may cut a
//                    connection that endangers the service)
// Codes from the archive double are docs/kanta-double.md's list; the rest are [A] guesses at Kanta
// codes until the real list arrives during joining. Unknown codes fall back by ack typeCode.
import { ERROR_CATALOGUE } from '../../domain/errors.ts';
import type { ErrorCode } from '../../domain/errors.ts';
import type { AckDetail, AckTypeCode, ParsedAck } from './ack-parser.ts';
import type { FaultSide, SoapFault } from './soap-envelope.ts';

export type { SendAction } from '../../domain/values.ts';
import type { SendAction } from '../../domain/values.ts';

export interface ClassificationRow {
  action: SendAction;
  /** Why this action (shown in docs and tests). */
  why: string;
}

export const DETAIL_CODE_ACTIONS: Readonly<Record<string, ClassificationRow>> = Object.freeze({
  // success
  ALREADY_ARCHIVED: { action: 'archived', why: 'identical resend of an archived document; nothing to do' },

  // access point and sender identity: the same for every document sent through this access point
  ACCESS_POINT_NOT_REGISTERED: { action: 'park-controller', why: 'the TLS client certificate is not a registered access point' },
  FRAME_SENDER_UNKNOWN: { action: 'park-controller', why: 'sender device id is not registered (access point config)' },
  FRAME_SENDER_TLS_MISMATCH: { action: 'park-controller', why: 'sender device id does not match the TLS identity (access point config)' },
  FRAME_RECEIVER: { action: 'park-controller', why: 'receiver id is wrong (access point config)' },
  ORGANISATION_NOT_JOINED: { action: 'park-controller', why: '[A] the controller has not joined Kanta' },
  REGISTRY_ACCESS_POINT_ORGANISATION: { action: 'park-controller', why: 'the access point is not authorised for this organisation' },

  // frame built by the gateway: a gateway or code-config fault, the document is fine
  FRAME_MALFORMED_XML: { action: 'park', why: 'the gateway built malformed XML' },
  FRAME_SOAP_ENVELOPE: { action: 'park', why: 'binding fault in the gateway' },
  FRAME_UNKNOWN_INTERACTION: { action: 'park', why: 'kanta.codes.interactions does not match the archive' },
  FRAME_ROOT_MISMATCH: { action: 'park', why: 'gateway frame fault' },
  FRAME_INTERACTION_ROOT: { action: 'park', why: 'gateway frame fault' },
  FRAME_ITS_VERSION: { action: 'park', why: 'gateway frame fault' },
  FRAME_MESSAGE_ID_MISSING: { action: 'park', why: 'gateway frame fault' },
  FRAME_MESSAGE_ID_REUSED: { action: 'retry', why: 'every send mints a new message id, so a resend passes' },
  FRAME_CREATION_TIME: { action: 'park', why: 'gateway frame fault' },
  FRAME_PROCESSING_CODE: { action: 'park', why: 'access point processing codes are wrong' },
  FRAME_ACCEPT_ACK_CODE: { action: 'park', why: 'gateway frame fault' },
  FRAME_MISSING_FIELD: { action: 'park', why: 'gateway frame fault' },
  FRAME_DOCUMENT_MISMATCH: { action: 'park', why: 'frame metadata was not copied from the CDA as sent' },
  REASON_SERVICE_REQUEST_COUNT: { action: 'park', why: 'gateway frame fault' },
  REASON_USAGE_SITUATION_COUNT: { action: 'park', why: 'gateway frame fault' },
  REASON_USAGE_SITUATION_UNKNOWN: { action: 'park', why: 'kanta.codes.usageSituation does not match the archive' },
  REASON_SERVICE_REQUEST_MISMATCH: { action: 'park', why: 'kanta.codes.serviceRequest does not match the archive' },
  MIME_MISSING: { action: 'park', why: 'gateway MIME fault' },
  MIME_CONTENT_ID: { action: 'park', why: 'gateway MIME fault' },
  MIME_BASE64: { action: 'park', why: 'gateway MIME fault' },

  // the tenant's CDA
  CDA_MALFORMED_XML: { action: 'reject', why: 'the document is not a well-formed ClinicalDocument' },
  CDA_MISSING_FIELD: { action: 'reject', why: 'the document lacks a required element' },
  CDA_INVALID_FIELD: { action: 'reject', why: 'the document has an invalid value' },
  CDA_HETU_INVALID: { action: 'reject', why: 'the client id fails its checksum' },
  CDA_NOT_TEST_PERSON: { action: 'reject', why: 'only test persons are accepted in this environment' },
  CDA_BODY_ID: { action: 'reject', why: 'nonXMLBody/@ID is not "OID" + document id' },
  CDA_BODY_ENCODING: { action: 'reject', why: 'a body part is missing or not Base64' },
  CDA_JSON_INVALID: { action: 'reject', why: 'the structured JSON does not parse' },
  DOCUMENT_ID_CONFLICT: { action: 'reject', why: 'the document id is archived with other content' },

  // system signatures. The gateway signs and self-checks its own, but a document may also carry system
  // signatures the tenant applied, and the archive checks every one: any signature refusal can come from
  // the document alone. One document must never stop a controller (issue 16, defect 1), so each parks
  // just that document; a real signer fault shows as several parked documents with the same code.
  SIGNATURE_MISSING: { action: 'park', why: 'the gateway did not sign as expected' },
  SIGNATURE_ALGORITHM: { action: 'park', why: 'signer configuration fault, or a tenant signature with another algorithm' },
  SIGNATURE_REFERENCE: { action: 'park', why: 'signer fault, or a tenant signature with other references' },
  SIGNATURE_INVALID: { action: 'park', why: 'signature does not verify at Kanta although it did at the gateway' },
  SIGNATURE_CERT_UNTRUSTED: { action: 'park', why: 'a certificate in this document does not chain to a CA Kanta trusts (may be a tenant signature)' },
  SIGNATURE_CERT_KEY_USAGE: { action: 'park', why: 'a certificate in this document lacks the key usage (may be a tenant signature)' },
  SIGNATURE_CERT_VALIDITY: { action: 'park', why: 'a certificate in this document was not valid at its signature time (may be a tenant signature)' },
  SIGNATURE_SIGNER_NOT_AUTHORISED: { action: 'park', why: 'a signer in this document is not authorised for the access point or organisation (may be a tenant signature)' },
  SIGNATURE_KIND_UNKNOWN: { action: 'park', why: 'a signature in this document is of a kind the archive does not know (a tenant signature)' },

  // versioning
  VERSION_OPERATION: { action: 'reject', why: 'the operation does not fit the document' },
  VERSION_SET_EXISTS: { action: 'reject', why: 'archive of a set that exists: the tenant must send a version' },
  VERSION_UNKNOWN_SET: { action: 'retry', why: 'the first version may still be on its way' },
  VERSION_NUMBER: { action: 'park', why: 'version gap: an operator reruns it once the predecessor is archived' },
  VERSION_PARENT: { action: 'park', why: 'the parent is not the latest version: an operator decides' },
  VERSION_SET_VOIDED: { action: 'reject', why: 'a voided set cannot change' },
  VERSION_CUSTODIAN: { action: 'reject', why: 'a version must keep custodian and client' },

  // registry routing and registry-use rights
  REGISTRY_UNIT_UNKNOWN: { action: 'park', why: 'the gateway\'s unit register extract differs from Kanta\'s' },
  REGISTRY_FOREIGN_CUSTODIAN: { action: 'park', why: 'routing chose own use for a foreign registry' },
  REGISTRY_USAGE_SITUATION: { action: 'park', why: 'routing chose registry-right use for an own registry' },
  RIGHT_PROVIDER_CLIENT_RELATIONSHIP: { action: 'reject', why: 'a provider may not store this document type there' },
  RIGHT_NO_CLIENT_RELATIONSHIP: { action: 'retry', why: 'the organizer\'s asiakkuusasiakirja may not be archived yet' },
  RIGHT_NOT_LISTED: { action: 'park', why: 'the organizer has not recorded the right yet; rerun when it has' },
  RIGHT_DATE_OUTSIDE: { action: 'reject', why: 'the document date lies outside the right' },

  // injected by the double's fault settings; treated like an unknown AE
  FORCED_ERROR: { action: 'park', why: 'forced application error' },

  // [A] plausible Kanta operational codes
  SERVICE_BREAK: { action: 'retry', why: '[A] Kanta service break announced in an ack' },
  TEMPORARY_ERROR: { action: 'retry', why: '[A] Kanta-side temporary processing error' },
});

export const ACK_TYPE_FALLBACK: Readonly<Record<AckTypeCode, ClassificationRow>> = Object.freeze({
  AA: { action: 'archived', why: 'accepted' },
  AE: { action: 'park', why: 'unknown business refusal: an operator looks' },
  AR: { action: 'reject', why: 'unknown structural refusal of the document' },
});

export const SOAP_FAULT_FALLBACK: Readonly<Record<FaultSide, ClassificationRow>> = Object.freeze({
  Client: { action: 'park', why: 'the request was refused as wrong; resending it unchanged cannot help' },
  Server: { action: 'retry', why: 'Kanta-side processing trouble' },
  Other: { action: 'park', why: 'unknown fault class' },
});

// When several error details disagree, the action that keeps the most control wins: stopping the
// controller over parking, parking (a human looks) over rejecting, anything over retrying.
const SEVERITY: Record<SendAction, number> = { archived: 0, retry: 1, reject: 2, park: 3, 'park-controller': 4 };

export interface Classification {
  action: SendAction;
  /** Catalogue code for reporting; absent when archived. */
  error?: ErrorCode;
  /** The detail code (or faultcode) that decided, when there was one. */
  decidedBy?: string;
}

function errorFor(action: SendAction, ackType: AckTypeCode): ErrorCode | undefined {
  switch (action) {
    case 'archived':
      return undefined;
    case 'retry':
      return 'KANTA_ACK_TRANSIENT';
    case 'park-controller':
      return 'KANTA_CONTROLLER_BLOCKED';
    default:
      return ackType === 'AR' ? 'KANTA_REJECTED' : 'KANTA_APPLICATION_ERROR';
  }
}

function isError(detail: AckDetail): boolean {
  // Warnings and information never decide a refusal; a detail without typeCode counts as an error.
  return detail.typeCode === undefined || detail.typeCode === 'E';
}

export function classifyAck(ack: ParsedAck): Classification {
  if (ack.typeCode === 'AA') {
    const known = ack.details.find((d) => d.code !== undefined && DETAIL_CODE_ACTIONS[d.code]?.action === 'archived');
    return known?.code ? { action: 'archived', decidedBy: known.code } : { action: 'archived' };
  }
  const fallback = ACK_TYPE_FALLBACK[ack.typeCode];
  let best: { action: SendAction; decidedBy?: string } | undefined;
  for (const d of ack.details.filter(isError)) {
    const row = d.code === undefined ? undefined : DETAIL_CODE_ACTIONS[d.code];
    // An "archived" row inside AE/AR is contradictory: the typeCode wins.
    const action = row && row.action !== 'archived' ? row.action : fallback.action;
    if (!best || SEVERITY[action] > SEVERITY[best.action]) best = d.code === undefined ? { action } : { action, decidedBy: d.code };
  }
  const chosen = best ?? { action: fallback.action };
  const error = errorFor(chosen.action, ack.typeCode);
  return { ...chosen, ...(error ? { error } : {}) };
}

function codeInFault(fault: SoapFault): string | undefined {
  const words = `${fault.faultcode} ${fault.faultstring} ${fault.detail}`.match(/[A-Z][A-Z0-9_]{2,}/g) ?? [];
  return words.find((w) => Object.hasOwn(DETAIL_CODE_ACTIONS, w));
}

export function classifyFault(fault: SoapFault): Classification {
  // A fault may name a detail code in faultstring or detail (the double does for
  // ACCESS_POINT_NOT_REGISTERED, HTTP 403): then the row decides, not the fault class.
  const code = codeInFault(fault);
  const row = code ? DETAIL_CODE_ACTIONS[code] : undefined;
  if (code && row && row.action !== 'archived') {
    const error: ErrorCode = row.action === 'park-controller' ? 'KANTA_CONTROLLER_BLOCKED' : row.action === 'retry' ? 'KANTA_ACK_TRANSIENT' : fault.side === 'Server' ? 'KANTA_HTTP_5XX' : 'KANTA_HTTP_4XX';
    return { action: row.action, error, decidedBy: code };
  }
  const fb = SOAP_FAULT_FALLBACK[fault.side];
  return { action: fb.action, error: fault.side === 'Server' ? 'KANTA_HTTP_5XX' : 'KANTA_HTTP_4XX', decidedBy: fault.faultcode };
}

/** Transport and response errors: retryable catalogue codes retry, the rest wait for an operator. */
export function classifyError(code: ErrorCode): Classification {
  return { action: ERROR_CATALOGUE[code].retryable ? 'retry' : 'park', error: code };
}
