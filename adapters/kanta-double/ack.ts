// Builds the double's answers: the MCCI-style acknowledgement (kanta-binding.md §4), the
// "Hae asiakkuus" response (§5), and the SOAP 1.1 envelope and faults around them (§3).
import { randomUUID } from 'node:crypto';
import { DETAIL_CODES } from './detail-codes.ts';
import type { AckType, DetailCode } from './detail-codes.ts';
import type { MessageId } from './frame-reader.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function hl7Now(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

export interface AckInput {
  interaction: string;
  receiverId: string;
  detailCodeSystem: string;
  /** The request's sender device id, when it could be read. */
  requestSender?: string;
  target?: MessageId;
  ack: AckType;
  code?: DetailCode;
  location?: string;
  now: Date;
  /** Extra controlActProcess (query responses). */
  controlAct?: string;
}

export function buildAck(a: AckInput): string {
  const target = a.target
    ? `<id root="${esc(a.target.root)}" extension="${esc(a.target.extension)}"/>`
    : '<id nullFlavor="UNK"/>';
  const detail = a.code
    ? `<acknowledgementDetail typeCode="${a.ack === 'AA' ? 'I' : 'E'}"><code code="${a.code}" codeSystem="${esc(a.detailCodeSystem)}"/><text>${esc(DETAIL_CODES[a.code].text)}</text>${a.location ? `<location>${esc(a.location)}</location>` : ''}</acknowledgementDetail>`
    : '';
  const receiver = a.requestSender
    ? `<id root="${esc(a.requestSender)}"/>`
    : '<id nullFlavor="UNK"/>';
  return `<${a.interaction} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">`
    + `<id root="${esc(a.receiverId)}.1" extension="${randomUUID()}"/>`
    + `<creationTime value="${hl7Now(a.now)}"/>`
    + `<interactionId root="2.16.840.1.113883.1.6" extension="${a.interaction}"/>`
    + '<processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="NE"/>'
    + `<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE">${receiver}</device></receiver>`
    + `<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${esc(a.receiverId)}"/></device></sender>`
    + `<acknowledgement typeCode="${a.ack}"><targetMessage>${target}</targetMessage>${detail}</acknowledgement>`
    + (a.controlAct ?? '')
    + `</${a.interaction}>`;
}

/** The MIME text convention of kanta-binding.md §2, for returning an archived document. */
export function mimeText(documentId: string, cda: Buffer): string {
  const boundary = `kanta-double-${randomUUID()}`;
  const b64 = cda.toString('base64').replace(/(.{76})/g, '$1\r\n').replace(/\r\n$/, '');
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${boundary}"; type="text/xml"`,
    '',
    `--${boundary}`,
    'Content-Type: text/xml; charset=UTF-8',
    'Content-Transfer-Encoding: BASE64',
    `Content-ID: <${documentId}>`,
    '',
    b64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

export function queryResultControlAct(doc: { id: string; setId: string; versionNumber: number; custodian: string; bytes: Buffer }): string {
  return '<controlActProcess classCode="CACT" moodCode="EVN"><code code="RCMR_TE000111UV01" codeSystem="2.16.840.1.113883.1.18"/>'
    + '<subject><clinicalDocument classCode="DOCCLIN" moodCode="EVN">'
    + `<id root="${esc(doc.id)}"/><text mediaType="multipart/related">${esc(mimeText(doc.id, doc.bytes))}</text>`
    + `<setId root="${esc(doc.setId)}"/><versionNumber value="${doc.versionNumber}"/>`
    + `<custodian typeCode="CST"><assignedCustodian classCode="ASSIGNED"><representedOrganization classCode="ORG" determinerCode="INSTANCE"><id root="${esc(doc.custodian)}"/></representedOrganization></assignedCustodian></custodian>`
    + '</clinicalDocument></subject></controlActProcess>';
}

export function soapEnvelope(inner: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>'
    + inner + '</soapenv:Body></soapenv:Envelope>';
}

/** faultcode Client = the request is wrong (permanent); Server = transient (kanta-binding.md §3). */
export function soapFault(kind: 'Client' | 'Server', text: string, code?: string): string {
  return soapEnvelope(`<soapenv:Fault><faultcode>soapenv:${kind}</faultcode><faultstring>${esc(text)}</faultstring>`
    + (code ? `<detail><code xmlns="urn:kanta-double">${esc(code)}</code></detail>` : '') + '</soapenv:Fault>');
}
