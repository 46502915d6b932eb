// Builds the HL7 V3 archive request ("siirtokehys") exactly per kanta-binding.md §2 from the signed
// CDA and the metadata read from it. String-built: the CDA travels as Base64 of the exact signed
// bytes inside the MIME text, and the frame repeats header metadata so Kanta can route it.
import { GatewayError } from '../../domain/errors.ts';
import type { AccessPoint, KantaCodes } from '../../config/schema.ts';
import type { DocumentOperation } from '../../domain/document-header.ts';
import { escapeAttr as a, escapeText } from './xml-escape.ts';
import { buildMultipartRelated } from './mime.ts';
import { wrapTransmission } from './transmission-wrapper.ts';
import type { BuiltMessage, MessageId, OutboundDocument } from './outbound-document.ts';

const SERVICE_REQUEST_SYSTEM = '1.2.246.537.6.1503.201601'; // palvelupyyntö
const USAGE_SITUATION_SYSTEM = '1.2.246.537.6.1289.201901'; // käyttötilanne
const NEW_DOCUMENT_TRIGGER = 'RCMR_TE000102UV01'; // seen in S1 and S6

export interface BuildOptions {
  messageId: MessageId;
  creationTime: Date;
  /** Fixed MIME boundary (tests); a random one otherwise. */
  boundary?: string;
}

/** Palvelupyyntö code by operation and documentGroup, '*' for any other group (kanta-binding.md §1). */
export function serviceRequestCode(codes: KantaCodes, operation: DocumentOperation, documentGroup: string): string {
  const byGroup = codes.serviceRequest[operation];
  const code = byGroup?.[documentGroup] ?? byGroup?.['*'];
  if (!code) {
    throw new GatewayError('CONFIG_INVALID', `kanta.codes.serviceRequest has no code for ${operation} / documentGroup ${documentGroup}`, {
      details: { field: `kanta.codes.serviceRequest.${operation}` },
    });
  }
  return code;
}

function relatedDocument(doc: OutboundDocument): string {
  if (doc.operation === 'archive') return '';
  const m = doc.metadata;
  if (!m.parent) {
    throw new GatewayError('INTAKE_MISSING_FIELD', `A ${doc.operation} needs relatedDocument[@typeCode=RPLC]/parentDocument in the CDA`, {
      details: { field: 'relatedDocument/parentDocument' },
    });
  }
  const setId = m.parent.setId ?? m.setId;
  const version = m.parent.versionNumber ?? m.versionNumber - 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'The replaced document must have a versionNumber of at least 1', {
      details: { field: 'relatedDocument/parentDocument/versionNumber' },
    });
  }
  return (
    `<relatedDocument typeCode="RPLC"><parentDocument>` +
    `<id root="${a(m.parent.id, 'parent.id')}"/><setId root="${a(setId, 'parent.setId')}"/><versionNumber value="${version}"/>` +
    `</parentDocument></relatedDocument>`
  );
}

export function buildArchiveRequest(doc: OutboundDocument, ap: AccessPoint, codes: KantaCodes, opts: BuildOptions): BuiltMessage {
  const m = doc.metadata;
  if (!m.serviceUnit) {
    throw new GatewayError('INTAKE_MISSING_FIELD', 'The frame needs the service unit (encounterParticipant[@typeCode=ADM]) of the CDA', {
      details: { field: 'serviceUnit' },
    });
  }
  if (!Buffer.isBuffer(doc.signedCda) || doc.signedCda.length === 0) {
    throw new GatewayError('QUEUE_PAYLOAD_MISSING', 'The signed CDA bytes are empty');
  }
  const interactionId = codes.interactions[doc.operation];
  const spCode = serviceRequestCode(codes, doc.operation, m.documentGroup);
  const usage = codes.usageSituation[doc.usage];
  const mime = buildMultipartRelated(m.documentId, doc.signedCda, opts.boundary);

  const clinicalDocument =
    `<clinicalDocument classCode="DOCCLIN" moodCode="EVN">` +
    `<realmCode code="FI"/>` +
    `<typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>` +
    `<id root="${a(m.documentId, 'documentId')}"/>` +
    `<code code="1" codeSystem="1.2.246.537.6.1264.201701"/>` +
    `<text mediaType="multipart/related">${escapeText(mime, 'mime')}</text>` +
    `<statusCode code="COMPLETED"/>` +
    `<effectiveTime value="${a(m.effectiveTime, 'effectiveTime')}"/>` +
    `<confidentialityCode code="6" codeSystem="1.2.246.777.5.99902.2006"/>` +
    `<languageCode code="fi"/>` +
    `<setId root="${a(m.setId, 'setId')}"/>` +
    `<versionNumber value="${a(String(m.versionNumber), 'versionNumber')}"/>` +
    `<completionCode code="LA" codeSystem="1.2.246.537.5.40115.2006"/>` +
    `<storageCode code="AC" codeSystem="1.2.246.537.5.40116.2006"/>` +
    `<recordTarget typeCode="RCT"><patient classCode="PAT">` +
    `<id root="${a(m.client.root, 'client.root')}"${m.client.extension === undefined ? '' : ` extension="${a(m.client.extension, 'client.extension')}"`}/>` +
    `</patient></recordTarget>` +
    `<custodian typeCode="CST"><assignedCustodian classCode="ASSIGNED"><representedOrganization classCode="ORG" determinerCode="INSTANCE">` +
    `<id root="${a(m.custodian, 'custodian')}"/>` +
    `</representedOrganization></assignedCustodian></custodian>` +
    relatedDocument(doc) +
    `</clinicalDocument>`;

  const controlActProcess =
    `<controlActProcess classCode="CACT" moodCode="EVN">` +
    `<code code="${NEW_DOCUMENT_TRIGGER}" codeSystem="2.16.840.1.113883.1.18"/>` +
    `<priorityCode code="R"/>` +
    `<reasonCode code="${a(spCode, 'serviceRequest')}" codeSystem="${SERVICE_REQUEST_SYSTEM}"/>` +
    `<reasonCode code="${a(usage, 'usageSituation')}" codeSystem="${USAGE_SITUATION_SYSTEM}"/>` +
    `<authorOrPerformer typeCode="AUT"><assignedPerson><id nullFlavor="NA"/>` +
    `<representedOrganization><id root="${a(m.serviceUnit, 'serviceUnit')}"/></representedOrganization>` +
    `</assignedPerson></authorOrPerformer>` +
    `<subject>${clinicalDocument}</subject>` +
    `</controlActProcess>`;

  return wrapTransmission({ interactionId, messageId: opts.messageId, creationTime: opts.creationTime, ap, controlActProcess });
}
