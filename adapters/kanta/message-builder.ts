// Builds the HL7 V3 archive request ("siirtokehys") exactly per kanta-binding.md §2 from the signed
// CDA and the metadata read from it: people, names and codes as the public frame asia_K.xml carries
// them (frame-parts.ts), the trigger event per operation, language and confidentiality from the CDA. String-built: the CDA travels as Base64 of the exact signed
// bytes inside the MIME text, and the frame repeats header metadata so Kanta can route it.
import { GatewayError } from '../../domain/errors.ts';
import type { AccessPoint, KantaCodes } from '../../config/schema.ts';
import type { DocumentOperation } from '../../domain/document-header.ts';
import { escapeAttr as a, escapeText } from './xml-escape.ts';
import { buildMultipartRelated } from './mime.ts';
import { wrapTransmission } from './transmission-wrapper.ts';
import type { BuiltMessage, MessageId, OutboundDocument } from './outbound-document.ts';
import type { RoutingDecision } from '../../domain/routing-decision.ts';
import { authorOrPerformer, codedElement, copiedCode, frameAuthor, recordTarget, triggerEvent } from './frame-parts.ts';
import type { FramePerformer } from './frame-parts.ts';

const SERVICE_REQUEST_SYSTEM = '1.2.246.537.6.1503.201601'; // palvelupyyntö
const USAGE_SITUATION_SYSTEM = '1.2.246.537.6.1289.201901'; // käyttötilanne
const CONFIDENTIALITY_DEFAULT = { code: '6', codeSystem: '1.2.246.777.5.99902.2006' }; // kanta.md §2
const LANGUAGE_DEFAULT = 'fi';
const ORGANIZER_VERSIONS_PROVIDER_DOC = 'R-ORGANIZER-VERSIONS-PROVIDER-DOC'; // gateway/routing/rules.ts

/**
 * What the builder reads beyond OutboundDocument: the routing decision of the record (DocumentRecord.decision),
 * so the frame names the unit that performs the operation. Optional: without it the CDA's unit writes.
 */
export interface FrameOutboundDocument extends OutboundDocument {
  decision?: Pick<RoutingDecision, 'ruleId' | 'writerOrganisation'>;
}

/**
 * The writer unit of the frame is the unit performing the operation: the unit the tenant named for the
 * acting person; for an organizer versioning or voiding a provider's document, the organizer (own use),
 * not the provider unit the CDA still names; otherwise the CDA's service unit.
 */
export function framePerformer(doc: FrameOutboundDocument): FramePerformer | undefined {
  const m = doc.metadata;
  const acting = m.actingPerson;
  if (acting?.unit) return acting.unitName ? { unit: acting.unit, unitName: acting.unitName } : { unit: acting.unit };
  if (doc.decision?.ruleId === ORGANIZER_VERSIONS_PROVIDER_DOC) {
    const name = doc.decision.writerOrganisation === m.custodian ? m.custodianName : undefined;
    return name ? { unit: doc.decision.writerOrganisation, unitName: name } : { unit: doc.decision.writerOrganisation };
  }
  if (!m.serviceUnit) return undefined;
  return m.serviceUnitName ? { unit: m.serviceUnit, unitName: m.serviceUnitName } : { unit: m.serviceUnit };
}

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

export function buildArchiveRequest(doc: FrameOutboundDocument, ap: AccessPoint, codes: KantaCodes, opts: BuildOptions): BuiltMessage {
  const m = doc.metadata;
  const performer = framePerformer(doc);
  if (!performer) {
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

  const labels = codes.labels;
  const confidentiality = m.confidentiality ?? CONFIDENTIALITY_DEFAULT;
  // The CDA author, else the acting person; the acting person, else the CDA author (asia_K.xml: the same person).
  // A Kanta-native tenant's own frame (issue 12) names its author, performer typeCode and organisation names as it wrote them.
  const tenantFrame = m.tenantFrame;
  const author = tenantFrame?.author ?? (m.author?.id || m.author?.name ? m.author : m.actingPerson);
  const custodianName = tenantFrame?.custodianName ?? m.custodianName;
  const actor = m.actingPerson?.id || m.actingPerson?.name ? m.actingPerson : m.author;

  const clinicalDocument =
    `<clinicalDocument classCode="DOCCLIN" moodCode="EVN">` +
    `<realmCode code="FI"/>` +
    `<typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>` +
    `<id root="${a(m.documentId, 'documentId')}"/>` +
    codedElement('code', '1', '1.2.246.537.6.1264.201701', labels) +
    `<text mediaType="multipart/related">${escapeText(mime, 'mime')}</text>` +
    `<statusCode code="COMPLETED"/>` +
    `<effectiveTime value="${a(m.effectiveTime, 'effectiveTime')}"/>` +
    copiedCode('confidentialityCode', confidentiality, labels) +
    `<languageCode code="${a(m.languageCode ?? LANGUAGE_DEFAULT, 'languageCode')}"/>` +
    `<setId root="${a(m.setId, 'setId')}"/>` +
    `<versionNumber value="${a(String(m.versionNumber), 'versionNumber')}"/>` +
    codedElement('completionCode', 'LA', '1.2.246.537.5.40115.2006', labels) +
    codedElement('storageCode', 'AC', '1.2.246.537.5.40116.2006', labels) +
    recordTarget(m, codes) +
    frameAuthor(author) +
    `<custodian typeCode="CST"><assignedCustodian classCode="ASSIGNED"><representedOrganization classCode="ORG" determinerCode="INSTANCE">` +
    `<id root="${a(m.custodian, 'custodian')}"/>` +
    (custodianName ? `<name>${escapeText(custodianName, 'custodianName')}</name>` : '') +
    `</representedOrganization></assignedCustodian></custodian>` +
    relatedDocument(doc) +
    `</clinicalDocument>`;

  const controlActProcess =
    `<controlActProcess classCode="CACT" moodCode="EVN">` +
    triggerEvent(codes, doc.operation) +
    `<priorityCode code="R"/>` +
    codedElement('reasonCode', spCode, SERVICE_REQUEST_SYSTEM, labels, labels.serviceRequest[spCode]) +
    codedElement('reasonCode', usage, USAGE_SITUATION_SYSTEM, labels, labels.usageSituation[usage]) +
    authorOrPerformer(actor, performer, tenantFrame?.performerTypeCode) +
    `<subject>${clinicalDocument}</subject>` +
    `</controlActProcess>`;

  return wrapTransmission({ interactionId, messageId: opts.messageId, creationTime: opts.creationTime, ap, controlActProcess });
}
