// Builds the Kanta-format answer a Kanta-native tenant gets for its "Hae asiakkuus" (kanta-binding.md
// §5, the ack block of §4): RCMR_IN200011FI01 addressed back to the tenant's system (receiver = its
// sender device, targetMessage = its message id), with the archive's controlActProcess unchanged when
// something was found, and the gateway's own detail codes (QUERY_*, …) when the gateway refused.
// Also the SOAP 1.1 Fault for a request whose envelope could not be read at all.
import { escapeAttr, escapeText } from '../../kanta/xml-escape.ts';
import { formatHl7Timestamp } from '../../kanta/hl7-time.ts';
import { checkInteractionId } from '../../kanta/transmission-wrapper.ts';
import { wrapInSoapEnvelope } from '../../kanta/soap-envelope.ts';
import type { InstanceRef } from './query-frame.ts';

export interface AnswerDetail {
  typeCode: 'E' | 'W' | 'I';
  code: string;
  codeSystem: string;
  /** Human text; never personal data. */
  text: string;
  location?: string;
}

export interface QueryAnswerFrameInput {
  /** kanta.codes.interactions.queryResponse. */
  interactionId: string;
  /** The gateway's own id for this answer. */
  messageId: InstanceRef;
  creationTime: Date;
  processingCode: string;
  /** The tenant system's device id (its request's sender), when it could be read. */
  receiverId?: string | undefined;
  /** The device id the tenant addressed. */
  senderId: string;
  /** The tenant's message id, when it could be read. */
  target?: InstanceRef | undefined;
  ack: 'AA' | 'AE' | 'AR';
  details: readonly AnswerDetail[];
  /** The archive's controlActProcess, already serialised XML (query-answer.ts). */
  controlActProcessXml?: string | undefined;
}

export function buildQueryAnswerFrame(i: QueryAnswerFrameInput): string {
  const name = checkInteractionId(i.interactionId, 'kanta.codes.interactions.queryResponse');
  const a = escapeAttr;
  const device = (id: string | undefined, field: string) =>
    `<device classCode="DEV" determinerCode="INSTANCE">${id ? `<id root="${a(id, field)}"/>` : '<id nullFlavor="UNK"/>'}</device>`;
  const target = i.target ? `<id root="${a(i.target.root, 'target.root')}" extension="${a(i.target.extension, 'target.extension')}"/>` : '<id nullFlavor="UNK"/>';
  const details = i.details
    .map(
      (d) =>
        `<acknowledgementDetail typeCode="${d.typeCode}"><code code="${a(d.code, 'detail.code')}" codeSystem="${a(d.codeSystem, 'detail.codeSystem')}"/>` +
        `<text>${escapeText(d.text, 'detail.text')}</text>${d.location ? `<location>${escapeText(d.location, 'detail.location')}</location>` : ''}</acknowledgementDetail>`,
    )
    .join('');
  return (
    `<${name} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">` +
    `<id root="${a(i.messageId.root, 'messageId.root')}" extension="${a(i.messageId.extension, 'messageId.extension')}"/>` +
    `<creationTime value="${formatHl7Timestamp(i.creationTime)}"/>` +
    `<interactionId root="2.16.840.1.113883.1.6" extension="${name}"/>` +
    `<processingCode code="${a(i.processingCode, 'processingCode')}"/><processingModeCode code="T"/><acceptAckCode code="NE"/>` +
    `<receiver typeCode="RCV">${device(i.receiverId, 'receiverId')}</receiver>` +
    `<sender typeCode="SND">${device(i.senderId, 'senderId')}</sender>` +
    `<acknowledgement typeCode="${i.ack}"><targetMessage>${target}</targetMessage>${details}</acknowledgement>` +
    (i.controlActProcessXml ?? '') +
    `</${name}>`
  );
}

export function soapEnvelopeOf(hl7Xml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${wrapInSoapEnvelope(hl7Xml)}`;
}

/** SOAP 1.1 §4.4: Client = do not resend unchanged; Server = may pass later. The code goes in detail. */
export function soapFaultOf(side: 'Client' | 'Server', text: string, code: string): string {
  return soapEnvelopeOf(
    `<soapenv:Fault><faultcode>soapenv:${side}</faultcode><faultstring>${escapeText(text, 'faultstring')}</faultstring>` +
      `<detail><code xmlns="urn:kanta-gateway">${escapeText(code, 'fault code')}</code></detail></soapenv:Fault>`,
  );
}
