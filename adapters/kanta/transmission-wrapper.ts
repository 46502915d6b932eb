// The HL7 V3 transmission wrapper shared by every message the gateway sends (kanta-binding.md §2 and
// §5): root element named after the interaction, id, creationTime, processing codes, receiver and
// sender devices. The controlActProcess is supplied by the caller as an already-escaped fragment.
import { GatewayError } from '../../domain/errors.ts';
import type { AccessPoint } from '../../config/schema.ts';
import { escapeAttr } from './xml-escape.ts';
import { formatHl7Timestamp } from './hl7-time.ts';
import type { BuiltMessage, MessageId } from './outbound-document.ts';

const INTERACTION_NAME = /^[A-Z]{4}_IN\d{6}[A-Z]{2}\d{2}$/;

/** The interaction id is also the root element name, so it must be a plain HL7 artefact id. */
export function checkInteractionId(value: string, field: string): string {
  if (!INTERACTION_NAME.test(value)) {
    throw new GatewayError('CONFIG_INVALID', `${field} is not an HL7 interaction id such as RCMR_IN200002FI01`, { details: { field } });
  }
  return value;
}

export function messageIdRootOf(ap: AccessPoint): string {
  return ap.messageIdRoot ?? ap.senderId;
}

export interface WrapperInput {
  interactionId: string;
  messageId: MessageId;
  creationTime: Date;
  ap: AccessPoint;
  /** Already-escaped `<controlActProcess …>…</controlActProcess>`. */
  controlActProcess: string;
}

export function wrapTransmission(w: WrapperInput): BuiltMessage {
  checkInteractionId(w.interactionId, 'kanta.codes.interactions');
  const a = escapeAttr;
  const device = (id: string, field: string) =>
    `<device classCode="DEV" determinerCode="INSTANCE"><id root="${a(id, field)}"/></device>`;
  const xml =
    `<${w.interactionId} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">` +
    `<id root="${a(w.messageId.root, 'messageId.root')}" extension="${a(w.messageId.extension, 'messageId.extension')}"/>` +
    `<creationTime value="${formatHl7Timestamp(w.creationTime)}"/>` +
    `<versionCode code="V3-2006"/>` +
    `<interactionId root="2.16.840.1.113883.1.6" extension="${w.interactionId}"/>` +
    `<processingCode code="${a(w.ap.processingCode, 'processingCode')}"/>` +
    `<processingModeCode code="${a(w.ap.processingModeCode, 'processingModeCode')}"/>` +
    `<acceptAckCode code="ER"/>` +
    `<receiver typeCode="RCV">${device(w.ap.receiverId, 'receiverId')}</receiver>` +
    `<sender typeCode="SND">${device(w.ap.senderId, 'senderId')}</sender>` +
    w.controlActProcess +
    `</${w.interactionId}>`;
  return { xml, interactionId: w.interactionId, messageId: w.messageId };
}
