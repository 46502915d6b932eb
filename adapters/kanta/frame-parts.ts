// Pieces of the archive frame built from the people and codes of the CDA header (issue 13): names,
// the acting person, the patient and coded values with their labels. Shapes follow the public frame
// ../shared/samples/asia_K.xml [C]; strings only, every value escaped.
import type { ActingPerson, CodedValue, DocumentMetadata, InstanceId, PersonName } from '../../domain/document-header.ts';
import type { DocumentOperation } from '../../domain/document-header.ts';
import type { KantaCodes } from '../../config/schema.ts';
import { escapeAttr as a, escapeText as t } from './xml-escape.ts';

/** Code system names of the frame's own codes [C asia_K.xml]. */
export const CODE_SYSTEM_NAMES: Record<string, string> = {
  '1.2.246.537.6.1503.201601': 'Sosiaalihuolto - Arkistosanomien palvelupyynnöt',
  '1.2.246.537.6.1289.201901': 'Sosiaalihuolto - Asiakastiedon arkiston käyttötilanne',
  '1.2.246.537.6.1264.201701': 'Sosiaalihuolto - Asiakirjan rekisteritunnus',
  '1.2.246.537.5.40115.2006': 'KanTa-palvelut - Dokumentin valmiusaste',
  '1.2.246.537.5.40116.2006': 'KanTa-palvelut - Dokumentin arkistointikoodi (DocumentStorage)',
};

/** Display names of the fixed frame codes [C asia_K.xml]. */
const FIXED_DISPLAY: Record<string, string> = {
  '1.2.246.537.6.1264.201701|1': 'Sosiaalihuollon asiakasrekisteri',
  '1.2.246.537.5.40115.2006|LA': 'Legally authenticated',
  '1.2.246.537.5.40116.2006|AC': 'Active',
};

/** `<tag code codeSystem [codeSystemName displayName]/>`; labels only when configured on. */
export function codedElement(tag: string, code: string, codeSystem: string, labels: KantaCodes['labels'], displayName?: string): string {
  let s = `<${tag} code="${a(code, tag)}" codeSystem="${a(codeSystem, tag)}"`;
  if (labels.enabled) {
    const systemName = CODE_SYSTEM_NAMES[codeSystem];
    const display = displayName ?? FIXED_DISPLAY[`${codeSystem}|${code}`];
    if (systemName) s += ` codeSystemName="${a(systemName, tag)}"`;
    if (display) s += ` displayName="${a(display, tag)}"`;
  }
  return `${s}/>`;
}

/** A code copied from the CDA with whatever labels it had there (labels dropped when configured off). */
export function copiedCode(tag: string, v: CodedValue, labels: KantaCodes['labels']): string {
  let s = `<${tag} code="${a(v.code, tag)}"`;
  if (v.codeSystem) s += ` codeSystem="${a(v.codeSystem, tag)}"`;
  if (labels.enabled && v.codeSystemName) s += ` codeSystemName="${a(v.codeSystemName, tag)}"`;
  if (labels.enabled && v.displayName) s += ` displayName="${a(v.displayName, tag)}"`;
  return `${s}/>`;
}

/** Family first, then given parts, as the public frame writes them. */
export function nameElement(n: PersonName | undefined): string {
  if (!n || (n.family.length === 0 && n.given.length === 0)) return '';
  const family = n.family.map((f) => `<family>${t(f, 'name/family')}</family>`).join('');
  const given = n.given.map((g) => `<given${g.qualifier ? ` qualifier="${a(g.qualifier, 'name/given/@qualifier')}"` : ''}>${t(g.value, 'name/given')}</given>`).join('');
  return `<name>${family}${given}</name>`;
}

function idElement(id: InstanceId | undefined, field: string): string {
  if (!id) return '<id nullFlavor="NA"/>';
  return `<id root="${a(id.root, `${field}.root`)}"${id.extension === undefined ? '' : ` extension="${a(id.extension, `${field}.extension`)}"`}/>`;
}

/** The unit that performs the operation, with its name when known. */
export interface FramePerformer {
  unit: string;
  unitName?: string;
}

/** controlActProcess/code: the trigger event of the operation (kanta.codes.triggerEvents). */
export function triggerEvent(codes: KantaCodes, operation: DocumentOperation): string {
  return `<code code="${a(codes.triggerEvents[operation], 'kanta.codes.triggerEvents')}" codeSystem="2.16.840.1.113883.1.18"/>`;
}

/**
 * controlActProcess/authorOrPerformer: the acting person (the tenant's, else the CDA author) and the
 * performing unit. A person without an id gets nullFlavor NA, as the frame had before issue 13.
 */
export function authorOrPerformer(person: ActingPerson | undefined, performer: FramePerformer, typeCode = 'AUT'): string {
  const name = nameElement(person?.name);
  return (
    `<authorOrPerformer typeCode="${a(typeCode, 'authorOrPerformer/@typeCode')}"><assignedPerson>` +
    idElement(person?.id, 'actingPerson.id') +
    (name ? `<assignedPerson>${name}</assignedPerson>` : '') +
    `<representedOrganization><id root="${a(performer.unit, 'performer.unit')}"/>` +
    (performer.unitName ? `<name>${t(performer.unitName, 'performer.unitName')}</name>` : '') +
    `</representedOrganization></assignedPerson></authorOrPerformer>`
  );
}

/** clinicalDocument/author: the CDA author, else the acting person; nothing when neither is known. */
export function frameAuthor(person: ActingPerson | undefined): string {
  if (!person || (!person.id && !person.name)) return '';
  const name = nameElement(person.name);
  return (
    `<author typeCode="AUT"><time nullFlavor="NA"/><assignedAuthor classCode="ASSIGNED">` +
    idElement(person.id, 'author.id') +
    (name ? `<assignedPerson classCode="PSN" determinerCode="INSTANCE">${name}</assignedPerson>` : '') +
    `</assignedAuthor></author>`
  );
}

/**
 * clinicalDocument/recordTarget: id, statusCode and patientPerson (name, gender, birthTime) when the CDA has
 * them; a Kanta-native tenant's own frame (m.tenantFrame) gives statusCode and patientPerson as it wrote them.
 */
export function recordTarget(m: DocumentMetadata, codes: KantaCodes): string {
  const p = m.tenantFrame?.patient ?? m.patient;
  const statusCode = m.tenantFrame?.patientStatusCode ?? codes.patientStatusCode;
  const person = p
    ? nameElement(p.name) + (p.gender ? copiedCode('administrativeGenderCode', p.gender, codes.labels) : '') + (p.birthTime ? `<birthTime value="${a(p.birthTime, 'patient.birthTime')}"/>` : '')
    : '';
  return (
    `<recordTarget typeCode="RCT"><patient classCode="PAT">` +
    `<id root="${a(m.client.root, 'client.root')}"${m.client.extension === undefined ? '' : ` extension="${a(m.client.extension, 'client.extension')}"`}/>` +
    `<statusCode code="${a(statusCode, 'kanta.codes.patientStatusCode')}"/>` +
    (person ? `<patientPerson classCode="PSN" determinerCode="INSTANCE">${person}</patientPerson>` : '') +
    `</patient></recordTarget>`
  );
}
