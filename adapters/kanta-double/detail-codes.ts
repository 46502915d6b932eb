// Every refusal the archive double can give, one code per reason, grouped by the twelve checks of
// ../shared/kanta.md "What a faithful Kanta test double must check". AR = the message structure is
// refused; AE = a business refusal; AA/I = informational success. Texts are fixed strings so an ack can
// never carry personal data or document content. docs/kanta-double.md lists the same table.

export type AckType = 'AA' | 'AE' | 'AR';

export interface DetailCodeSpec {
  ack: AckType;
  /** Number of the kanta.md check this code belongs to. */
  check: number;
  text: string;
}

export const DETAIL_CODES = {
  // 1. mTLS: answered with HTTP 403 + SOAP fault, not with an ack
  ACCESS_POINT_NOT_REGISTERED: { ack: 'AR', check: 1, text: 'The TLS client certificate is not registered as an access point' },

  // 2. frame shape
  FRAME_MALFORMED_XML: { ack: 'AR', check: 2, text: 'The message is not well-formed XML (DOCTYPE and entities are refused)' },
  FRAME_SOAP_ENVELOPE: { ack: 'AR', check: 2, text: 'The SOAP envelope has no Body with exactly one HL7 message' },
  FRAME_UNKNOWN_INTERACTION: { ack: 'AR', check: 2, text: 'The interaction is not one the archive serves' },
  FRAME_ROOT_MISMATCH: { ack: 'AR', check: 2, text: 'The root element does not equal interactionId/@extension' },
  FRAME_INTERACTION_ROOT: { ack: 'AR', check: 2, text: 'interactionId/@root must be 2.16.840.1.113883.1.6' },
  FRAME_ITS_VERSION: { ack: 'AR', check: 2, text: 'ITSVersion must be XML_1.0' },
  FRAME_MESSAGE_ID_MISSING: { ack: 'AR', check: 2, text: 'The message id (root and extension) is missing' },
  FRAME_MESSAGE_ID_REUSED: { ack: 'AR', check: 2, text: 'This message id was already received; every send needs a new message id' },
  FRAME_CREATION_TIME: { ack: 'AR', check: 2, text: 'creationTime is missing or not an HL7 timestamp' },
  FRAME_PROCESSING_CODE: { ack: 'AR', check: 2, text: 'processingCode or processingModeCode is missing or invalid' },
  FRAME_ACCEPT_ACK_CODE: { ack: 'AR', check: 2, text: 'acceptAckCode is missing or invalid' },
  FRAME_RECEIVER: { ack: 'AR', check: 2, text: 'The receiver device id is not the archive' },
  FRAME_SENDER_UNKNOWN: { ack: 'AR', check: 2, text: 'The sender device id is not a registered access point' },
  FRAME_SENDER_TLS_MISMATCH: { ack: 'AR', check: 2, text: 'The sender device id does not belong to the TLS client identity' },
  FRAME_MISSING_FIELD: { ack: 'AR', check: 2, text: 'A required frame element is missing' },

  // 3. reason codes
  REASON_SERVICE_REQUEST_COUNT: { ack: 'AR', check: 3, text: 'Exactly one palvelupyyntö reasonCode (1.2.246.537.6.1503.201601) is required' },
  REASON_USAGE_SITUATION_COUNT: { ack: 'AR', check: 3, text: 'Exactly one käyttötilanne reasonCode (1.2.246.537.6.1289.201901) is required' },
  REASON_USAGE_SITUATION_UNKNOWN: { ack: 'AR', check: 3, text: 'The käyttötilanne code is not known' },
  REASON_SERVICE_REQUEST_MISMATCH: { ack: 'AE', check: 3, text: 'The palvelupyyntö code does not match the operation and documentGroup' },

  // 4. frame against embedded document
  MIME_MISSING: { ack: 'AR', check: 4, text: 'clinicalDocument/text is not a multipart/related MIME payload with a text/xml part' },
  MIME_CONTENT_ID: { ack: 'AR', check: 4, text: 'The MIME Content-ID differs from the document id' },
  MIME_BASE64: { ack: 'AR', check: 4, text: 'The MIME part is not valid Base64' },
  FRAME_DOCUMENT_MISMATCH: { ack: 'AR', check: 4, text: 'Frame clinicalDocument metadata differs from the embedded document' },

  // 5. CDA document
  CDA_MALFORMED_XML: { ack: 'AR', check: 5, text: 'The embedded document is not well-formed XML or not a ClinicalDocument' },
  CDA_MISSING_FIELD: { ack: 'AR', check: 5, text: 'A required CDA element is missing' },
  CDA_INVALID_FIELD: { ack: 'AR', check: 5, text: 'A CDA element has an invalid value' },
  CDA_HETU_INVALID: { ack: 'AR', check: 5, text: 'recordTarget is not a personal identity code with a valid checksum' },
  CDA_NOT_TEST_PERSON: { ack: 'AE', check: 5, text: 'Only test persons (individual number 900-999) are accepted in this environment' },
  CDA_BODY_ID: { ack: 'AR', check: 5, text: 'nonXMLBody/@ID must be "OID" followed by the document id' },
  CDA_BODY_ENCODING: { ack: 'AR', check: 5, text: 'The XHTML or JSON body part is missing or not valid Base64 of its format' },
  CDA_JSON_INVALID: { ack: 'AR', check: 5, text: 'The structured JSON part does not parse' },

  // 6. signatures (professional and system)
  SIGNATURE_MISSING: { ack: 'AE', check: 6, text: 'No signature in signatureCollection (or no system signature, signatureDescription code 3, where one is required)' },
  SIGNATURE_KIND_UNKNOWN: { ack: 'AE', check: 6, text: 'signatureDescription/@code is neither 1 (professional) nor 3 (system signature)' },
  SIGNATURE_ALGORITHM: { ack: 'AE', check: 6, text: 'Only exc-c14n, rsa-sha256 and sha256 are accepted' },
  SIGNATURE_REFERENCE: { ack: 'AE', check: 6, text: 'The signature must reference exactly the signature timestamp and the document body, each by a unique ID' },
  SIGNATURE_INVALID: { ack: 'AE', check: 6, text: 'The signature or a digest does not verify' },
  SIGNATURE_CERT_UNTRUSTED: { ack: 'AE', check: 6, text: 'The signing certificate is missing or does not chain to a trusted signing CA' },
  SIGNATURE_CERT_KEY_USAGE: { ack: 'AE', check: 6, text: 'The signing certificate lacks digitalSignature or nonRepudiation key usage' },
  SIGNATURE_CERT_VALIDITY: { ack: 'AE', check: 6, text: 'The signing certificate was not valid at the signature timestamp' },
  SIGNATURE_SIGNER_NOT_AUTHORISED: { ack: 'AE', check: 6, text: 'The signing certificate subject is not authorised for this access point' },

  // 7. idempotency
  ALREADY_ARCHIVED: { ack: 'AA', check: 7, text: 'The identical document was already archived; nothing was stored again' },
  DOCUMENT_ID_CONFLICT: { ack: 'AE', check: 7, text: 'This document id is already archived with different content' },

  // 8. versioning
  VERSION_OPERATION: { ack: 'AE', check: 8, text: 'The operation does not fit the document (archive needs version 1 without RPLC; version and void need RPLC)' },
  VERSION_SET_EXISTS: { ack: 'AE', check: 8, text: 'A document set with this setId already exists; send a new version instead' },
  VERSION_UNKNOWN_SET: { ack: 'AE', check: 8, text: 'No archived document set has this setId' },
  VERSION_NUMBER: { ack: 'AE', check: 8, text: 'versionNumber must be the latest archived version plus one' },
  VERSION_PARENT: { ack: 'AE', check: 8, text: 'The RPLC parent is not the latest archived version of the set' },
  VERSION_SET_VOIDED: { ack: 'AE', check: 8, text: 'The document set has been voided and cannot be changed' },
  VERSION_CUSTODIAN: { ack: 'AE', check: 8, text: 'A new version must keep the custodian and client of its set' },

  // 9. registry routing
  REGISTRY_UNIT_UNKNOWN: { ack: 'AE', check: 9, text: 'The writing service unit is not in the unit register' },
  REGISTRY_ACCESS_POINT_ORGANISATION: { ack: 'AE', check: 9, text: 'The access point may not carry documents of the writing organisation' },
  REGISTRY_FOREIGN_CUSTODIAN: { ack: 'AE', check: 9, text: 'Own-use (käyttötilanne 1) requires the custodian to be the writing organisation' },
  REGISTRY_USAGE_SITUATION: { ack: 'AE', check: 9, text: 'Registry-right use (käyttötilanne 2) is for writing into another organisation\'s registry' },

  // 10. registry-use rights (RKO)
  RIGHT_PROVIDER_CLIENT_RELATIONSHIP: { ack: 'AE', check: 10, text: 'A provider may not store a client-relationship document into another organisation\'s registry' },
  RIGHT_NO_CLIENT_RELATIONSHIP: { ack: 'AE', check: 10, text: 'The custodian has no archived client-relationship document for this client' },
  RIGHT_NOT_LISTED: { ack: 'AE', check: 10, text: 'The client-relationship document lists no right for this unit and service task' },
  RIGHT_DATE_OUTSIDE: { ack: 'AE', check: 10, text: 'The document date lies outside the registry-use right' },

  // 11. injected by fault settings
  FORCED_ERROR: { ack: 'AE', check: 11, text: 'Error forced by the double\'s fault settings' },

  // 12. query "Hae asiakkuus"
  QUERY_MISSING_PARAMETER: { ack: 'AR', check: 12, text: 'queryByParameter needs custodian and patientId values' },
  NOT_FOUND: { ack: 'AE', check: 12, text: 'No client-relationship document found' },
  QUERY_FORBIDDEN: { ack: 'AE', check: 12, text: 'The asking unit may not see this client relationship' },
} as const satisfies Record<string, DetailCodeSpec>;

export type DetailCode = keyof typeof DETAIL_CODES;

/** A refusal raised anywhere in the checks; turned into an acknowledgement at the edge. */
export class DoubleRefusal extends Error {
  override readonly name = 'DoubleRefusal';
  readonly code: DetailCode;
  readonly location: string | undefined;

  constructor(code: DetailCode, location?: string) {
    super(DETAIL_CODES[code].text);
    this.code = code;
    this.location = location;
  }
}

export function refuse(code: DetailCode, location?: string): never {
  throw new DoubleRefusal(code, location);
}

export function isDetailCode(code: unknown): code is DetailCode {
  return typeof code === 'string' && Object.hasOwn(DETAIL_CODES, code);
}
