// A certified client system, simulated: it writes its own Kanta archive messages (the shape of the
// public frame ../shared/samples/asia_K.xml: acting person, author, patient, organisation names) around
// its CDA and sends them with the `soap` npm package's client generated from the gateway's WSDL, over
// mutual TLS with its own client certificate. Written from kanta-binding.md §2 alone: nothing of the
// gateway's own builder is used. `soap` is a development dependency, loaded only when a client is made.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export type CertifiedOperation = 'archive' | 'version' | 'void';

export interface CertifiedPerson {
  id: { root: string; extension: string };
  family: string;
  given: string;
}

export interface CertifiedFrameInput {
  operation: CertifiedOperation;
  messageId: { root: string; extension: string };
  senderId: string;
  receiverId: string;
  /** Palvelupyyntö and käyttötilanne codes as the system sets them. */
  serviceRequest: string;
  usageSituation: string;
  actor: CertifiedPerson & { unit: string; unitName: string };
  author?: CertifiedPerson;
  patient: { hetu: string; statusCode?: string; family: string; given: string; genderCode: string; birthTime: string };
  document: { id: string; setId: string; versionNumber: number; custodian: string; custodianName: string; parent?: { id: string; setId: string; versionNumber: number } };
  cda: Buffer;
  /** Override the Content-ID of the MIME part (tests). */
  contentId?: string;
}

export const CERTIFIED_INTERACTIONS: Record<CertifiedOperation, string> = { archive: 'RCMR_IN200002FI01', version: 'RCMR_IN200016FI01', void: 'RCMR_IN200017FI01' };
const TRIGGER: Record<CertifiedOperation, string> = { archive: 'RCMR_TE000102UV01', version: 'RCMR_TE000910UV01', void: 'RCMR_TE000102UV01' };

function mime(contentId: string, cda: Buffer): string {
  const boundary = `----=_Certified_${randomUUID().replace(/-/g, '')}`;
  const b64 = cda.toString('base64').replace(/(.{76})/g, '$1\r\n').replace(/\r\n$/, '');
  return ['MIME-Version: 1.0', `Content-Type: multipart/related; boundary="${boundary}"; type="text/xml"`, '', `--${boundary}`, 'Content-Type: text/xml; charset=UTF-8', 'Content-Transfer-Encoding: BASE64', `Content-ID: <${contentId}>`, '', b64, `--${boundary}--`, ''].join('\r\n');
}

const name = (p: { family: string; given: string }) => `<name><family>${esc(p.family)}</family><given>${esc(p.given)}</given></name>`;

/** The children of the HL7 root element (the soap client writes the root element itself from the WSDL). */
export function certifiedFrameChildren(f: CertifiedFrameInput): string {
  const d = f.document;
  const interaction = CERTIFIED_INTERACTIONS[f.operation];
  const related = d.parent ? `<relatedDocument typeCode="RPLC"><parentDocument><id root="${d.parent.id}"/><setId root="${d.parent.setId}"/><versionNumber value="${d.parent.versionNumber}"/></parentDocument></relatedDocument>` : '';
  const author = f.author
    ? `<author typeCode="AUT"><time nullFlavor="NA"/><assignedAuthor classCode="ASSIGNED"><id root="${f.author.id.root}" extension="${esc(f.author.id.extension)}"/><assignedPerson classCode="PSN" determinerCode="INSTANCE">${name(f.author)}</assignedPerson></assignedAuthor></author>`
    : '';
  return (
    `<id root="${f.messageId.root}" extension="${f.messageId.extension}"/><creationTime value="20260915120500+0300"/><versionCode code="V3-2006"/>` +
    `<interactionId root="2.16.840.1.113883.1.6" extension="${interaction}"/><processingCode code="T"/><processingModeCode code="T"/><acceptAckCode code="ER"/>` +
    `<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="${f.receiverId}"/></device></receiver>` +
    `<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${f.senderId}"/></device></sender>` +
    `<controlActProcess classCode="CACT" moodCode="EVN"><code code="${TRIGGER[f.operation]}" codeSystem="2.16.840.1.113883.1.18"/><priorityCode code="R"/>` +
    `<reasonCode code="${f.serviceRequest}" codeSystem="1.2.246.537.6.1503.201601"/><reasonCode code="${f.usageSituation}" codeSystem="1.2.246.537.6.1289.201901"/>` +
    `<authorOrPerformer typeCode="AUT"><assignedPerson><id root="${f.actor.id.root}" extension="${esc(f.actor.id.extension)}"/><assignedPerson>${name(f.actor)}</assignedPerson>` +
    `<representedOrganization><id root="${f.actor.unit}"/><name>${esc(f.actor.unitName)}</name></representedOrganization></assignedPerson></authorOrPerformer>` +
    `<subject><clinicalDocument classCode="DOCCLIN" moodCode="EVN"><realmCode code="FI"/><typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>` +
    `<id root="${d.id}"/><code code="1" codeSystem="1.2.246.537.6.1264.201701"/>` +
    `<text mediaType="multipart/related">${esc(mime(f.contentId ?? d.id, f.cda)).replace(/\r/g, '&#13;')}</text>` +
    `<statusCode code="COMPLETED"/><effectiveTime value="20260915120000+0300"/><confidentialityCode code="6" codeSystem="1.2.246.777.5.99902.2006"/><languageCode code="fi"/>` +
    `<setId root="${d.setId}"/><versionNumber value="${d.versionNumber}"/>` +
    `<completionCode code="LA" codeSystem="1.2.246.537.5.40115.2006"/><storageCode code="AC" codeSystem="1.2.246.537.5.40116.2006"/>` +
    `<recordTarget typeCode="RCT"><patient classCode="PAT"><id root="1.2.246.21" extension="${esc(f.patient.hetu)}"/><statusCode code="${f.patient.statusCode ?? 'normal'}"/>` +
    `<patientPerson classCode="PSN" determinerCode="INSTANCE">${name(f.patient)}<administrativeGenderCode code="${f.patient.genderCode}" codeSystem="1.2.246.537.5.1.1997"/><birthTime value="${f.patient.birthTime}"/></patientPerson></patient></recordTarget>` +
    author +
    `<custodian typeCode="CST"><assignedCustodian classCode="ASSIGNED"><representedOrganization classCode="ORG" determinerCode="INSTANCE"><id root="${d.custodian}"/><name>${esc(d.custodianName)}</name></representedOrganization></assignedCustodian></custodian>` +
    related +
    `</clinicalDocument></subject></controlActProcess>`
  );
}

/** What the system reads from the answer (it would act on typeCode and the detail codes). */
export interface CertifiedAnswer {
  typeCode: string;
  target?: { root?: string; extension?: string };
  details: Array<{ typeCode?: string; code?: string; text?: string }>;
  raw: string;
}

export interface CertifiedClient {
  send(operation: CertifiedOperation, frame: CertifiedFrameInput): Promise<CertifiedAnswer>;
  /** The operations the generated client offers (from the WSDL). */
  operations: string[];
}

type Attrs = { attributes?: Record<string, string> };
type AckObject = Attrs & { acknowledgement?: Attrs & { targetMessage?: { id?: Attrs }; acknowledgementDetail?: Array<Attrs & { code?: Attrs; text?: string }> | (Attrs & { code?: Attrs; text?: string }) } };

function answerOf(result: AckObject | undefined, raw: string): CertifiedAnswer {
  const ack = result?.acknowledgement;
  const details = ack?.acknowledgementDetail === undefined ? [] : Array.isArray(ack.acknowledgementDetail) ? ack.acknowledgementDetail : [ack.acknowledgementDetail];
  return {
    typeCode: ack?.attributes?.typeCode ?? '',
    ...(ack?.targetMessage?.id?.attributes ? { target: { ...ack.targetMessage.id.attributes } } : {}),
    details: details.map((d) => ({ ...(d.attributes?.typeCode ? { typeCode: d.attributes.typeCode } : {}), ...(d.code?.attributes?.code ? { code: d.code.attributes.code } : {}), ...(typeof d.text === 'string' ? { text: d.text } : {}) })),
    raw,
  };
}

/** The simulator runs only where development dependencies are installed (npm ci, not --omit=dev). */
export class SoapPackageMissing extends Error {
  constructor() {
    super('the certified-system simulator needs the `soap` package (a development dependency): run npm ci without --omit=dev');
  }
}

const OPERATION_NAMES: Record<CertifiedOperation, string> = { archive: 'Archive', version: 'Version', void: 'Void' };

/** A `soap` client generated from the gateway's WSDL (GET {endpoint}?wsdl), with the system's client certificate. */
export async function certifiedClient(endpointUrl: string, tls: { certFile: string; keyFile: string; caFile: string }, opts: { timeoutMs?: number } = {}): Promise<CertifiedClient> {
  let soap: typeof import('soap');
  try {
    soap = await import('soap');
  } catch {
    throw new SoapPackageMissing();
  }
  const agent = new https.Agent({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ca: readFileSync(tls.caFile), keepAlive: false });
  const client = await soap.createClientAsync(`${endpointUrl}?wsdl`, { wsdl_options: { httpsAgent: agent } });
  client.setSecurity(new soap.ClientSSLSecurity(readFileSync(tls.keyFile), readFileSync(tls.certFile), readFileSync(tls.caFile), { keepAlive: false }));
  const port = Object.values(client.describe())[0] as Record<string, Record<string, unknown>>;
  const operations = Object.keys(Object.values(port)[0] ?? {});
  return {
    operations,
    send: async (operation, frame) => {
      const method = (client as unknown as Record<string, (args: unknown, options?: unknown) => Promise<[AckObject, string]>>)[`${OPERATION_NAMES[operation]}Async`]!;
      const [result, raw] = await method.call(client, { attributes: { ITSVersion: 'XML_1.0' }, $xml: certifiedFrameChildren(frame) }, { timeout: opts.timeoutMs ?? 60_000 });
      return answerOf(result, raw);
    },
  };
}
