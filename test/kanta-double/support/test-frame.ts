// Test-only HL7 frame builder written from docs/kanta-binding.md §2 and §5, for feeding the double.
// Every field can be overridden or broken so the negative tests can aim at one check at a time.
import { randomUUID } from 'node:crypto';

export interface FrameDocumentMeta {
  id: string;
  setId: string;
  versionNumber: number;
  custodian: string;
  hetu: string;
  effectiveTime?: string;
  parent?: { id: string; setId: string; versionNumber: number };
}

export interface ArchiveFrameOptions {
  interaction?: string;
  /** Root element name when it should differ from the interaction id. */
  rootElement?: string;
  interactionRoot?: string;
  itsVersion?: string | null;
  messageId?: { root: string; extension: string } | null;
  creationTime?: string | null;
  processingCode?: string;
  acceptAckCode?: string;
  receiverId?: string;
  senderId: string;
  /** Palvelupyyntö codes (normally exactly one). */
  serviceRequests: string[];
  /** Käyttötilanne codes (normally exactly one). */
  usageSituations?: string[];
  unit: string;
  cda: Buffer;
  meta: FrameDocumentMeta;
  /** Overrides of the frame's copy of the metadata (for mismatch tests). */
  frameMeta?: Partial<FrameDocumentMeta>;
  contentId?: string;
  /** Replace the MIME text entirely. */
  mimeText?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function mimeFor(contentId: string, cda: Buffer): string {
  const boundary = `b-${randomUUID()}`;
  const b64 = cda.toString('base64').replace(/(.{76})/g, '$1\r\n').replace(/\r\n$/, '');
  return ['MIME-Version: 1.0', `Content-Type: multipart/related; boundary="${boundary}"; type="text/xml"`, '', `--${boundary}`,
    'Content-Type: text/xml; charset=UTF-8', 'Content-Transfer-Encoding: BASE64', `Content-ID: <${contentId}>`, '', b64, `--${boundary}--`, ''].join('\r\n');
}

let counter = 0;
export function newMessageId(): { root: string; extension: string } {
  counter += 1;
  return { root: '1.2.246.10.99999999.10.0', extension: `${Date.now()}${counter}` };
}

function wrapper(o: { interaction: string; rootElement?: string; interactionRoot?: string; itsVersion?: string | null; messageId?: { root: string; extension: string } | null; creationTime?: string | null; processingCode?: string; acceptAckCode?: string; receiverId?: string; senderId: string }): { open: string; close: string } {
  const root = o.rootElement ?? o.interaction;
  const its = o.itsVersion === null ? '' : ` ITSVersion="${o.itsVersion ?? 'XML_1.0'}"`;
  const id = o.messageId === null ? '' : (() => { const m = o.messageId ?? newMessageId(); return `<id root="${m.root}" extension="${m.extension}"/>`; })();
  const ct = o.creationTime === null ? '' : `<creationTime value="${o.creationTime ?? '20260915120500+0300'}"/>`;
  return {
    open: `<${root} xmlns="urn:hl7-org:v3"${its}>${id}${ct}<versionCode code="V3-2006"/>`
      + `<interactionId root="${o.interactionRoot ?? '2.16.840.1.113883.1.6'}" extension="${o.interaction}"/>`
      + `<processingCode code="${o.processingCode ?? 'D'}"/><processingModeCode code="T"/><acceptAckCode code="${o.acceptAckCode ?? 'ER'}"/>`
      + `<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="${o.receiverId ?? '1.2.246.556.18007.2'}"/></device></receiver>`
      + `<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${o.senderId}"/></device></sender>`,
    close: `</${root}>`,
  };
}

export function buildArchiveFrame(o: ArchiveFrameOptions): string {
  const m = { ...o.meta, ...o.frameMeta };
  const w = wrapper({ ...o, interaction: o.interaction ?? 'RCMR_IN200002FI01' });
  const reasons = o.serviceRequests.map((c) => `<reasonCode code="${c}" codeSystem="1.2.246.537.6.1503.201601"/>`).join('')
    + (o.usageSituations ?? ['1']).map((c) => `<reasonCode code="${c}" codeSystem="1.2.246.537.6.1289.201901"/>`).join('');
  const related = m.parent
    ? `<relatedDocument typeCode="RPLC"><parentDocument><id root="${m.parent.id}"/><setId root="${m.parent.setId}"/><versionNumber value="${m.parent.versionNumber}"/></parentDocument></relatedDocument>`
    : '';
  return `${w.open}<controlActProcess classCode="CACT" moodCode="EVN"><code code="RCMR_TE000102UV01" codeSystem="2.16.840.1.113883.1.18"/><priorityCode code="R"/>${reasons}`
    + `<authorOrPerformer typeCode="AUT"><assignedPerson><id nullFlavor="NA"/><representedOrganization><id root="${o.unit}"/></representedOrganization></assignedPerson></authorOrPerformer>`
    + '<subject><clinicalDocument classCode="DOCCLIN" moodCode="EVN"><realmCode code="FI"/><typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>'
    + `<id root="${m.id}"/><code code="1" codeSystem="1.2.246.537.6.1264.201701"/>`
    + `<text mediaType="multipart/related">${esc(o.mimeText ?? mimeFor(o.contentId ?? o.meta.id, o.cda))}</text>`
    + `<statusCode code="COMPLETED"/><effectiveTime value="${m.effectiveTime ?? '20260915120000+0300'}"/>`
    + '<confidentialityCode code="6" codeSystem="1.2.246.777.5.99902.2006"/><languageCode code="fi"/>'
    + `<setId root="${m.setId}"/><versionNumber value="${m.versionNumber}"/>`
    + '<completionCode code="LA" codeSystem="1.2.246.537.5.40115.2006"/><storageCode code="AC" codeSystem="1.2.246.537.5.40116.2006"/>'
    + `<recordTarget typeCode="RCT"><patient classCode="PAT"><id root="1.2.246.21" extension="${m.hetu}"/></patient></recordTarget>`
    + `<custodian typeCode="CST"><assignedCustodian classCode="ASSIGNED"><representedOrganization classCode="ORG" determinerCode="INSTANCE"><id root="${m.custodian}"/></representedOrganization></assignedCustodian></custodian>`
    + `${related}</clinicalDocument></subject></controlActProcess>${w.close}`;
}

export function buildQueryFrame(o: { senderId: string; unit: string; custodian: string; hetu: string; messageId?: { root: string; extension: string }; interaction?: string }): string {
  const w = wrapper({ ...o, interaction: o.interaction ?? 'RCMR_IN200010FI01' });
  return `${w.open}<controlActProcess classCode="CACT" moodCode="EVN"><code code="RCMR_TE000110UV01" codeSystem="2.16.840.1.113883.1.18"/>`
    + `<authorOrPerformer typeCode="AUT"><assignedPerson><id nullFlavor="NA"/><representedOrganization><id root="${o.unit}"/></representedOrganization></assignedPerson></authorOrPerformer>`
    + `<queryByParameter><queryId root="1.2.246.10.99999999.11" extension="${randomUUID()}"/><custodian><value root="${o.custodian}"/></custodian>`
    + `<patientId><value root="1.2.246.21" extension="${o.hetu}"/></patientId></queryByParameter></controlActProcess>${w.close}`;
}

export function soapWrap(hl7: string): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>${hl7}</soapenv:Body></soapenv:Envelope>`;
}
