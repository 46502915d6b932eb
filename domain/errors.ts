// The one error catalogue of the gateway. A leaf module: it imports nothing, so certs/, adapters/,
// queues/ and config/ may use it without depending on HTTP. Codes are AREA_REASON and never change
// meaning once released (docs/errors.md lists them; test/errors.test.ts keeps the two in step).
// Branch on `code`, never on message text or `instanceof` across worker threads.

export interface ErrorSpec {
  /** HTTP status when the error reaches a client. */
  status: number;
  /** Whether the same request may succeed later without change (transient). */
  retryable: boolean;
  /** Default human message; details go in `details`. */
  message: string;
}

export const ERROR_CATALOGUE = {
  // --- authentication and authorisation of callers
  AUTH_MISSING: { status: 401, retryable: false, message: 'No credentials: send Authorization: Bearer <token> or a client certificate' },
  AUTH_INVALID: { status: 401, retryable: false, message: 'Credentials not recognised' },
  AUTH_FORBIDDEN_ROLE: { status: 403, retryable: false, message: 'This caller lacks the role needed for the operation' },

  // --- intake: parsing and validating what a tenant sent
  INTAKE_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'Content-Type must be application/xml or text/xml (CDA), or application/json (JSON document)' },
  INTAKE_BODY_TOO_LARGE: { status: 413, retryable: false, message: 'Request body exceeds the configured limit' },
  INTAKE_EMPTY_BODY: { status: 400, retryable: false, message: 'Request body is empty' },
  INTAKE_MALFORMED_XML: { status: 400, retryable: false, message: 'Body is not well-formed XML' },
  INTAKE_DTD_FORBIDDEN: { status: 400, retryable: false, message: 'DOCTYPE, DTD and entity declarations are not accepted' },
  INTAKE_NOT_CDA: { status: 400, retryable: false, message: 'Root element is not an HL7 CDA R2 ClinicalDocument in urn:hl7-org:v3' },
  INTAKE_MISSING_FIELD: { status: 400, retryable: false, message: 'A required CDA header field is missing' },
  INTAKE_INVALID_FIELD: { status: 400, retryable: false, message: 'A CDA header field has an invalid value' },
  INTAKE_INVALID_HETU: { status: 400, retryable: false, message: 'recordTarget personal identity code fails its checksum or gives an impossible or future birth date' },
  INTAKE_DUPLICATE_DIFFERENT_CONTENT: { status: 409, retryable: false, message: 'This document id was already submitted with different content' },
  INTAKE_UNKNOWN_OPERATION: { status: 400, retryable: false, message: 'Unknown operation: use archive, version or void' },
  INTAKE_INVALID_SIGNATURE: { status: 400, retryable: false, message: 'A signature already in the document does not verify' },
  INTAKE_SCHEMA_INVALID: { status: 400, retryable: false, message: 'The document does not validate against the configured CDA schema set' },
  INTAKE_SCHEMA_UNAVAILABLE: { status: 503, retryable: true, message: 'Schema validation could not run (validator busy, too slow or missing); nothing was stored' },

  // --- intake: JSON submissions (adapters/intake/json-document.ts, docs/json-intake.md)
  INTAKE_INVALID_JSON: { status: 400, retryable: false, message: 'The JSON submission has invalid fields; details.issues lists each with its JSON path' },
  INTAKE_NO_OID_ARC: { status: 422, retryable: false, message: 'The writing organisation has no documentOidArc configured, so the gateway cannot mint its document ids' },

  // --- Kanta-native intake (issue 12, adapters/intake/kanta-native/, gateway/kanta-native/): answered inside MCCI_IN000002UV01 as detail codes
  NATIVE_FRAME_INVALID: { status: 400, retryable: false, message: 'The SOAP envelope or the HL7 archive message around the CDA is missing a required part or has an invalid value' },
  NATIVE_INTERACTION_UNSUPPORTED: { status: 400, retryable: false, message: 'The message is not one the Kanta-native endpoint takes (archive, version, void or the client-relationship query)' },
  NATIVE_MIME_INVALID: { status: 400, retryable: false, message: 'The CDA could not be taken from the multipart/related text of clinicalDocument' },
  NATIVE_FRAME_CDA_MISMATCH: { status: 400, retryable: false, message: 'The archive message says something about the document that the CDA inside it does not (id, setId, version, custodian, client or replaced document)' },
  NATIVE_SERVICE_REQUEST_MISMATCH: { status: 400, retryable: false, message: 'The palvelupyyntö (service request) code does not fit the interaction or the document group' },
  NATIVE_USE_SITUATION_MISMATCH: { status: 403, retryable: false, message: "The käyttötilanne (use situation) of the message disagrees with the gateway's routing decision (own use versus a registry-use right)" },
  NATIVE_QUERY_UNAVAILABLE: { status: 501, retryable: false, message: "The client-relationship query ('Hae asiakkuus') is not served on this gateway's Kanta-native endpoint" },
  NATIVE_OUTCOME_PENDING: { status: 202, retryable: true, message: "The document was accepted but the archive has not answered yet: send the same message again later for the archive's answer" },

  // --- intake rules on the document's content (issue 13, routing rule R-MINOR-GUARDIAN-CONSENT)
  INTAKE_MINOR_CONSENT_MISSING: { status: 400, retryable: false, message: 'A document for a client under 18 must say whether it may be disclosed to the guardians (authorization/consent, 1.2.246.537.6.1286.201901)' },

  // --- intake hardening (issue 16): hostile input is refused with its own code before anything is stored
  INTAKE_SIGNATURE_TRUST_NOT_CONFIGURED: { status: 400, retryable: false, message: 'The document carries signatures but no trusted CA is configured to check them (signer.trustedCaFile)' },
  INTAKE_XML_TOO_DEEP: { status: 400, retryable: false, message: 'The XML nests elements deeper than the configured limit' },
  INTAKE_XML_TOO_MANY_ATTRIBUTES: { status: 400, retryable: false, message: 'The XML has more attributes than the configured limit' },
  INTAKE_XML_TOO_MANY_ELEMENTS: { status: 400, retryable: false, message: 'The XML has more elements than the configured limit' },
  INTAKE_ILLEGAL_CHARACTER: { status: 400, retryable: false, message: 'The body contains a character XML 1.0 does not allow (e.g. NUL)' },
  INTAKE_INVALID_ENCODING: { status: 400, retryable: false, message: 'The body is not valid UTF-8' },
  INTAKE_UNSUPPORTED_CHARSET: { status: 415, retryable: false, message: 'Only UTF-8 is accepted (Content-Type charset and XML declaration encoding)' },
  INTAKE_UNSUPPORTED_CONTENT_ENCODING: { status: 415, retryable: false, message: 'Content-Encoding is not supported or the body does not decode with it' },
  INTAKE_TEST_PERSON_REQUIRED: { status: 400, retryable: false, message: 'This access point is the customer-test environment: only test persons (individual number 900–999) are accepted' },
  INTAKE_TEST_PERSON_REFUSED: { status: 400, retryable: false, message: 'This access point is production: test persons (individual number 900–999) are not accepted' },
  REQUEST_TIMEOUT: { status: 408, retryable: true, message: 'The request headers or body did not arrive within the configured time' },
  REQUEST_HEADER_INVALID: { status: 400, retryable: false, message: 'A request header has an invalid value' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, retryable: false, message: 'The request headers exceed the server limit' },
  REQUEST_MALFORMED: { status: 400, retryable: false, message: 'The request is not valid HTTP/1.1' },

  // --- routing and registry-use rights (pure decision; ruleId says which rule refused)
  ROUTE_UNKNOWN_ORGANISATION: { status: 403, retryable: false, message: 'The custodian or organizer is not a known organisation' },
  ROUTE_CUSTODIAN_NOT_PERMITTED: { status: 403, retryable: false, message: 'The tenant may not write into this custodian\'s registry' },
  ROUTE_UNKNOWN_SERVICE_UNIT: { status: 403, retryable: false, message: 'The service unit is not in the configured SOTE register extract' },
  ROUTE_UNIT_NOT_OWNED: { status: 403, retryable: false, message: 'The service unit does not belong to the organisation the tenant acts for' },
  ROUTE_PARALLEL_FOREIGN_REGISTRY: { status: 403, retryable: false, message: 'A parallel joiner may write only into its one organizer\'s registry' },
  ROUTE_JOINT_FOREIGN_REGISTRY: { status: 403, retryable: false, message: 'A co-joiner may not write into another co-joiner\'s registry' },
  ROUTE_NO_ACCESS_POINT: { status: 500, retryable: false, message: 'No Kanta access point is configured for this tenant' },
  ROUTE_NO_SIGNING_IDENTITY: { status: 500, retryable: false, message: 'No signing identity is configured for this tenant' },
  RIGHT_NO_CONTRACT: { status: 403, retryable: false, message: 'No valid contract between the organizer and the provider covers this service task' },
  RIGHT_NOT_FOUND: { status: 403, retryable: false, message: 'The organizer\'s client-relationship document lists no right for this unit and service task' },
  RIGHT_DATE_OUTSIDE: { status: 403, retryable: false, message: 'The document date lies outside the registry-use right\'s start and end dates' },
  RIGHT_PROVIDER_CLIENT_RELATIONSHIP: { status: 403, retryable: false, message: 'A provider may not write client-relationship or case-opening documents into an organizer\'s registry' },
  RIGHT_ENDED_VERSION_BY_PROVIDER: { status: 403, retryable: false, message: 'After the right has ended only the organizer may version or void the provider\'s documents' },
  ROUTE_PARENT_REGISTRY_MISMATCH: { status: 409, retryable: false, message: 'A version or void must stay in the registry of the document it replaces' },
  ROUTE_ORGANIZER_MISMATCH: { status: 400, retryable: false, message: 'outsourcingServiceCustomer must equal the custodian when a provider writes into an organizer\'s registry' },
  RIGHT_NOT_DOCUMENT_WRITER: { status: 403, retryable: false, message: 'In an organizer\'s registry a provider may version or void only documents it wrote itself' },

  // --- configuration
  CONFIG_INVALID: { status: 500, retryable: false, message: 'Configuration is invalid' },
  CONFIG_NOT_LOADED: { status: 503, retryable: true, message: 'No valid configuration is loaded' },

  // --- certificates and signatures
  CERT_LOAD_FAILED: { status: 500, retryable: false, message: 'A key or certificate could not be loaded' },
  CERT_WRONG_PASSWORD: { status: 500, retryable: false, message: 'The PKCS#12 password is wrong' },
  CERT_KEY_MISMATCH: { status: 500, retryable: false, message: 'The private key does not match the certificate' },
  CERT_EXPIRED: { status: 500, retryable: false, message: 'The certificate has expired' },
  CERT_NOT_YET_VALID: { status: 500, retryable: false, message: 'The certificate is not yet valid' },
  CERT_KEY_USAGE: { status: 500, retryable: false, message: 'The certificate lacks the required key usage' },
  CERT_NO_VALID_IDENTITY: { status: 500, retryable: false, message: 'No currently valid certificate for this signing identity' },
  SIGN_FAILED: { status: 500, retryable: true, message: 'Signing failed' },
  SIGN_DOCUMENT_UNSIGNABLE: { status: 422, retryable: false, message: 'The document cannot be signed (its structure defeats the signer, e.g. too deep); parked' },
  SIGN_SELF_CHECK_FAILED: { status: 500, retryable: false, message: 'The signed document failed its own verification' },
  SIGNATURE_INVALID: { status: 400, retryable: false, message: 'Signature does not verify' },

  // --- Kanta transport and acknowledgements
  KANTA_TIMEOUT: { status: 504, retryable: true, message: 'Kanta did not answer in time' },
  KANTA_CONNECTION: { status: 502, retryable: true, message: 'Connection to Kanta failed' },
  KANTA_HTTP_5XX: { status: 502, retryable: true, message: 'Kanta answered with a server error' },
  KANTA_UNAVAILABLE: { status: 503, retryable: true, message: 'Kanta is in a service break' },
  KANTA_HTTP_4XX: { status: 502, retryable: false, message: 'Kanta refused the HTTP request' },
  KANTA_BAD_RESPONSE: { status: 502, retryable: true, message: 'Kanta\'s answer could not be read' },
  KANTA_REJECTED: { status: 422, retryable: false, message: 'Kanta rejected the document (AR)' },
  KANTA_APPLICATION_ERROR: { status: 422, retryable: false, message: 'Kanta refused the document (AE)' },
  KANTA_CONTROLLER_BLOCKED: { status: 422, retryable: false, message: 'Kanta refused the whole controller (e.g. not joined)' },
  KANTA_CIRCUIT_OPEN: { status: 503, retryable: true, message: 'The access point circuit is open' },
  KANTA_TLS_HANDSHAKE: { status: 502, retryable: true, message: 'The TLS handshake with Kanta failed (certificate not trusted or not accepted)' },
  KANTA_ACK_TRANSIENT: { status: 503, retryable: true, message: 'Kanta refused the document for a reason that may pass (e.g. what it depends on is not archived yet)' },

  // --- queues and storage
  QUEUE_UNAVAILABLE: { status: 503, retryable: true, message: 'Redis is not reachable; nothing was stored' },
  QUEUE_RETRY_BUDGET_EXHAUSTED: { status: 500, retryable: false, message: 'The document was not archived within its retry budget and is parked' },
  QUEUE_PARENT_UNKNOWN: { status: 422, retryable: false, message: 'The archive does not know the parent of this version or void, and the parent never passed through the gateway' },
  QUEUE_PAYLOAD_MISSING: { status: 500, retryable: false, message: 'The stored document bytes are missing' },
  QUEUE_REDIS_EVICTING: { status: 500, retryable: false, message: 'Redis maxmemory-policy evicts keys; refusing to run' },
  // --- lifecycle (domain/lifecycle.ts, queues/document-store.ts apply)
  QUEUE_TRANSITION_REFUSED: { status: 409, retryable: false, message: 'The document is not in a status that allows this step; nothing was written' },

  // --- usage log (käyttöloki)
  AUDIT_APPEND_CONTENDED: { status: 503, retryable: true, message: 'The usage log entry could not be chained: other gateway processes kept appending first' },
  // --- audit retention / privacy (sealed usage-log segments, no client identity in URLs)
  AUDIT_SEGMENT_CHAIN_BROKEN: { status: 500, retryable: false, message: 'The usage log in Redis does not continue the sealed segments; nothing was sealed' },
  AUDIT_SEGMENT_UNREADABLE: { status: 500, retryable: true, message: 'A sealed usage-log segment could not be read' },
  AUDIT_SEALER_LOCK_LOST: { status: 500, retryable: true, message: 'The usage-log sealer lost its lock mid-pass and stopped' },
  REQUEST_CLIENT_IN_URL: { status: 400, retryable: false, message: 'A client identifier must not travel in a URL; send it in the request body of the search route' },

  // --- query relay ("Hae asiakkuus" for tenants, gateway/query-relay/, docs/query-relay.md)
  QUERY_UNIT_FOREIGN: { status: 403, retryable: false, message: 'The asking service unit is not a unit of an organisation this tenant acts for' },
  QUERY_CUSTODIAN_FOREIGN: { status: 403, retryable: false, message: 'The tenant neither acts for this registry\'s controller nor has a contract that could give it a right there' },
  QUERY_NOT_PERMITTED: { status: 403, retryable: false, message: 'The query is not permitted for this unit; the answer does not say whether the client exists' },
  QUERY_INVALID: { status: 400, retryable: false, message: 'The query message is not a readable "Hae asiakkuus" request; details.location names the part' },

  // --- callbacks (issue 12 item 3): why a delivery attempt to a tenant's receiver failed (dead-letter view)
  CALLBACK_TIMEOUT: { status: 504, retryable: true, message: 'The callback receiver did not answer within the callback timeout' },
  CALLBACK_CONNECTION: { status: 502, retryable: true, message: 'The connection to the callback receiver failed' },
  CALLBACK_HTTP_STATUS: { status: 502, retryable: true, message: 'The callback receiver answered with a status other than 2xx' },

  // --- ops API and console (issue 15): unknown targets of an operator action, background tasks
  OPS_UNKNOWN_CONTROLLER: { status: 404, retryable: false, message: 'No such controller: not an organisation of the configuration and no lane in Redis' },
  OPS_UNKNOWN_TENANT: { status: 404, retryable: false, message: 'No such tenant in the configuration in force' },
  OPS_TASK_NOT_FOUND: { status: 404, retryable: false, message: 'No such operator task (unknown id, or finished and expired)' },

  // --- status and ops API
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found' },
  REQUEST_INVALID: { status: 400, retryable: false, message: 'Request is invalid' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal error' },

  // --- command line: config check --deep (gateway/cli/deep-config-check.ts)
  CONFIG_FILE_UNREADABLE: { status: 500, retryable: false, message: 'A file or directory the configuration names does not exist or cannot be read' },
  CONFIG_ENV_MISSING: { status: 500, retryable: false, message: 'An environment variable the configuration names is not set' },
  // --- command line: backfill (gateway/backfill/)
  BACKFILL_INPUT_INVALID: { status: 400, retryable: false, message: 'A backfill input (NDJSON line or file) cannot be read or is not a submission' },
  BACKFILL_STATE_MISMATCH: { status: 400, retryable: false, message: 'The backfill state file belongs to another source or tenant, or is damaged' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

/** An error with a stable catalogue code; survives structured cloning as {code, message, ...}. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly ruleId: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, opts: { ruleId?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    super(message ?? spec.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.ruleId = opts.ruleId;
    this.details = opts.details;
  }

  toJSON(): { code: ErrorCode; message: string; ruleId?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.ruleId ? { ruleId: this.ruleId } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Reads a code from anything thrown, including plain objects that crossed a worker thread. */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  if (err && typeof err === 'object' && 'code' in err && isErrorCode((err as { code: unknown }).code)) {
    return (err as { code: ErrorCode }).code;
  }
  return undefined;
}

/**
 * Runs a storage call on a request path: a coded error passes through unchanged, anything else (a Redis
 * connection error, a timeout) becomes QUEUE_UNAVAILABLE — 503, retryable, nothing stored.
 */
export async function storageCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: err });
  }
}
