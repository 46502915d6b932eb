// The answers of the Kanta-native endpoint in Kanta's own format (kanta-binding.md §4): an
// MCCI_IN000002UV01 acknowledgement in a SOAP 1.1 envelope whose targetMessage is the tenant's message
// id, so a certified client reads the gateway's answer exactly as it reads the archive's. Built as a
// string with every value escaped; detail texts are catalogue or archive texts, never document content.
import { randomUUID } from 'node:crypto';
import type { InstanceId } from '../../../domain/document-header.ts';
import { formatHl7Timestamp } from '../../kanta/hl7-time.ts';
import { wrapInSoapEnvelope } from '../../kanta/soap-envelope.ts';
import { escapeAttr, escapeText } from '../../kanta/xml-escape.ts';

/** Detail code system of the acknowledgement (kanta-binding.md §4, a placeholder OID [A]). */
export const ACK_DETAIL_CODE_SYSTEM = '1.2.246.537.5.40185.2026';

export type NativeAckType = 'AA' | 'AE' | 'AR';

export interface NativeAckDetail {
  /** E error, W warning, I information. */
  typeCode: 'E' | 'W' | 'I';
  code: string;
  text?: string;
  location?: string;
}

export interface NativeAckInput {
  typeCode: NativeAckType;
  /** The tenant's message id; absent when the request could not be read that far (nullFlavor NI). */
  target?: InstanceId;
  /** Answer's receiver: the tenant's sender device; sender: the device the tenant addressed. */
  receiverId?: string;
  senderId?: string;
  /** processingCode echoed from the request (P when unknown). */
  processingCode?: string;
  details: NativeAckDetail[];
  now: Date;
  /** The gateway's own message id root for the answer's id (a UUID extension per answer). */
  messageIdRoot: string;
}

// XML 1.0 cannot carry control characters; texts that come from elsewhere are cleaned, not refused.
const clean = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ' ').slice(0, 500);
const at = (s: string, field: string) => escapeAttr(clean(s), field);
const tx = (s: string, field: string) => escapeText(clean(s), field);

function device(id: string | undefined, field: string): string {
  return `<device classCode="DEV" determinerCode="INSTANCE">${id ? `<id root="${at(id, field)}"/>` : '<id nullFlavor="NI"/>'}</device>`;
}

export function buildNativeAck(a: NativeAckInput): string {
  const target = a.target
    ? `<id root="${at(a.target.root, 'target.root')}"${a.target.extension === undefined ? '' : ` extension="${at(a.target.extension, 'target.extension')}"`}/>`
    : '<id nullFlavor="NI"/>';
  const details = a.details
    .map(
      (d) =>
        `<acknowledgementDetail typeCode="${d.typeCode}">` +
        `<code code="${at(d.code, 'detail.code')}" codeSystem="${ACK_DETAIL_CODE_SYSTEM}"/>` +
        (d.text ? `<text>${tx(d.text, 'detail.text')}</text>` : '') +
        (d.location ? `<location>${tx(d.location, 'detail.location')}</location>` : '') +
        `</acknowledgementDetail>`,
    )
    .join('');
  const processing = a.processingCode && /^[PDT]$/.test(a.processingCode) ? a.processingCode : 'P';
  const xml =
    `<MCCI_IN000002UV01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">` +
    `<id root="${at(a.messageIdRoot, 'messageIdRoot')}" extension="${randomUUID()}"/>` +
    `<creationTime value="${formatHl7Timestamp(a.now)}"/>` +
    `<versionCode code="V3-2006"/>` +
    `<interactionId root="2.16.840.1.113883.1.6" extension="MCCI_IN000002UV01"/>` +
    `<processingCode code="${processing}"/><processingModeCode code="T"/><acceptAckCode code="NE"/>` +
    `<receiver typeCode="RCV">${device(a.receiverId, 'receiverId')}</receiver>` +
    `<sender typeCode="SND">${device(a.senderId, 'senderId')}</sender>` +
    `<acknowledgement typeCode="${a.typeCode}"><targetMessage>${target}</targetMessage>${details}</acknowledgement>` +
    `</MCCI_IN000002UV01>`;
  return wrapInSoapEnvelope(xml);
}
