// Builds the Kanta CDA R2 social-welfare document (kanta.md §2) from a JSON submission. Pure: the
// submission, the minted ids, the configured names and the software line in, UTF-8 bytes out — the same
// input gives the same bytes, so a resend with the same ids is recognised as a resubmission. Every
// value is escaped (build-xml.ts). adapters/cda/read-metadata.ts reads the result back into the values
// submitted (test/intake/build-cda.test.ts).
import type { JsonDocumentSubmission } from '../intake/json-document-schema.ts';
import { buildLocalSocialHeader, coded, type SoftwareSupport } from './build-local-social-header.ts';
import { CDA_TYPE_ID, CODE_SYSTEMS, HETU_ROOT } from './build-code-systems.ts';
import { hl7DateOf, hl7TimeOf } from './build-hl7-time.ts';
import { empty, escapeAttr, textElement } from './build-xml.ts';

export type { SoftwareSupport };

export interface MintedIds {
  documentId: string;
  /** = documentId for version 1. */
  setId: string;
  versionNumber: number;
  /** The version this one replaces (relatedDocument typeCode="RPLC"). */
  parent?: { id: string; setId: string; versionNumber: number };
}

/** Names from the configuration (organisations[].name, serviceUnits[].name); left out when unknown. */
export interface ConfiguredNames {
  custodian?: string;
  organizer?: string;
  serviceUnit?: string;
}

export interface CdaBuildInput {
  submission: JsonDocumentSubmission;
  ids: MintedIds;
  names: ConfiguredNames;
  software: SoftwareSupport;
}

/** The XHTML view's root start tag, after an optional XML declaration, comments and whitespace. */
export const XHTML_ROOT_START = /^((?:\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->)*)<div(?=[\s/>])/;

/**
 * Sets the XHTML view's root id to "OID" + document id (kanta.md §2) by inserting the attribute into
 * the root start tag: the client's bytes are otherwise kept as sent. The caller has checked that the
 * root is an unprefixed XHTML div without an id.
 */
export function xhtmlWithRootId(xhtml: string, documentId: string): string {
  const m = XHTML_ROOT_START.exec(xhtml);
  if (!m) throw new Error('the XHTML view does not start with a <div> root');
  const at = m[0].length;
  return `${xhtml.slice(0, at)} id="${escapeAttr(`OID${documentId}`)}"${xhtml.slice(at)}`;
}

function personName(name: { given: string[]; family: string }): string {
  return `<name>${name.given.map((g) => textElement('given', g)).join('')}${textElement('family', name.family)}</name>`;
}

function organisation(tag: string, oid: string, name: string | undefined): string {
  return `<${tag}>${empty('id', [['root', oid]])}${name === undefined ? '' : textElement('name', name)}</${tag}>`;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function buildCda({ submission: s, ids, names, software }: CdaBuildInput): Buffer {
  const custodian = s.custodian ?? s.organizer;
  const client = s.client;
  const patient =
    client.name || client.gender || client.birthDate
      ? `<patient>${client.name ? personName(client.name) : ''}${client.gender ? coded('administrativeGenderCode', client.gender, CODE_SYSTEMS.gender) : ''}${client.birthDate ? empty('birthTime', [['value', hl7DateOf(client.birthDate)]]) : ''}</patient>`
      : '';
  const documentCode = s.documentType ? coded('code', s.documentType, CODE_SYSTEMS.documentType) : empty('code', [['nullFlavor', 'NA']]);
  const related = ids.parent
    ? `<relatedDocument typeCode="RPLC"><parentDocument>${empty('id', [['root', ids.parent.id]])}${empty('setId', [['root', ids.parent.setId]])}${empty('versionNumber', [['value', String(ids.parent.versionNumber)]])}</parentDocument></relatedDocument>`
    : undefined;
  const consent = s.guardianConsent
    ? `<authorization><consent>${coded('code', s.guardianConsent, CODE_SYSTEMS.guardianConsent)}<statusCode code="completed"/></consent></authorization>`
    : undefined;
  const na = '<id nullFlavor="NA"/>';
  const encounter = [
    '<componentOf><encompassingEncounter>',
    s.caseId ? empty('id', [['root', s.caseId]]) : na,
    '<effectiveTime nullFlavor="NA"/>',
    `<responsibleParty><assignedEntity>${na}${organisation('representedOrganization', s.organizer, names.organizer)}</assignedEntity></responsibleParty>`,
    `<encounterParticipant typeCode="ADM"><assignedEntity>${na}${organisation('representedOrganization', s.serviceUnit, names.serviceUnit)}</assignedEntity></encounterParticipant>`,
    '</encompassingEncounter></componentOf>',
  ].join('');
  const author = s.author;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:hl7fi="urn:hl7finland">',
    '<realmCode code="FI"/>',
    empty('typeId', [['extension', CDA_TYPE_ID.extension], ['root', CDA_TYPE_ID.root]]),
    empty('id', [['root', ids.documentId]]),
    documentCode,
    empty('effectiveTime', [['value', hl7TimeOf(s.effectiveTime)]]),
    coded('confidentialityCode', { code: '6', displayName: 'Sosiaalihuollon salassapidettävä' }, CODE_SYSTEMS.confidentiality),
    // Lower case as in the public Kanta samples (asia_S.xml: <languageCode code="fi"/>).
    empty('languageCode', [['code', s.language ?? 'fi']]),
    empty('setId', [['root', ids.setId]]),
    empty('versionNumber', [['value', String(ids.versionNumber)]]),
    `<recordTarget><patientRole>${empty('id', [['root', HETU_ROOT], ['extension', client.hetu]])}${patient}</patientRole></recordTarget>`,
    `<author>${author.time ? empty('time', [['value', hl7TimeOf(author.time)]]) : '<time nullFlavor="NA"/>'}<assignedAuthor>${empty('id', [['root', author.id.root], ['extension', author.id.extension]])}<assignedPerson>${personName(author.name)}</assignedPerson></assignedAuthor></author>`,
    `<custodian><assignedCustodian>${organisation('representedCustodianOrganization', custodian, names.custodian)}</assignedCustodian></custodian>`,
    related,
    consent,
    encounter,
    buildLocalSocialHeader({ submission: s, ...(names.organizer !== undefined ? { organizerName: names.organizer } : {}), software }),
    `<component><nonXMLBody ID="${escapeAttr(`OID${ids.documentId}`)}"><text mediaType="application/xhtml+xml" representation="B64">${b64(xhtmlWithRootId(s.body.xhtml, ids.documentId))}</text><hl7fi:json representation="B64">${b64(JSON.stringify(s.body.json))}</hl7fi:json></nonXMLBody></component>`,
    '</ClinicalDocument>',
  ].filter((l): l is string => l !== undefined);
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
