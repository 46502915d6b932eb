// Reads the header metadata of a CDA R2 social-welfare document (kanta.md §2) from a DOM parsed by
// parseXmlSafely. Missing or malformed required fields are coded intake errors naming the field.
import { GatewayError } from '../../domain/errors.ts';
import { NS, attr, child, children, textOf, walk } from '../xml/safe-parse.ts';
import { finnishToday, hetuBirthDate, isValidHetu } from './hetu.ts';
import type { ActingPerson, CodedValue, DocumentMetadata, ExistingSignature, ParentDocument, PatientDetails, PersonName } from '../../domain/document-header.ts';
import { GUARDIAN_CONSENT_SYSTEM } from '../../domain/document-header.ts';
import { OID_PATTERN } from '../../domain/values.ts';

const HETU_ROOT = '1.2.246.21';

function required(value: string | undefined, field: string): string {
  if (value === undefined || value === '') throw new GatewayError('INTAKE_MISSING_FIELD', `Missing CDA header field: ${field}`, { details: { field } });
  return value;
}

function oid(value: string | undefined, field: string): string {
  const v = required(value, field);
  if (!OID_PATTERN.test(v)) throw new GatewayError('INTAKE_INVALID_FIELD', `${field} is not an OID`, { details: { field } });
  return v;
}

function optionalOid(value: string | undefined, field: string): string | undefined {
  return value === undefined ? undefined : oid(value, field);
}

const FINNISH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki', year: 'numeric', month: '2-digit', day: '2-digit' });

/** HL7 TS (YYYYMMDD[HHMM[SS[.fff]]][+ZZZZ]) → calendar date in Finnish time. */
export function finnishDateOf(ts: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d+)?)?)?([+-]\d{4})?$/.exec(ts);
  if (!m) throw new GatewayError('INTAKE_INVALID_FIELD', 'effectiveTime is not an HL7 timestamp', { details: { field: 'effectiveTime' } });
  const [, y, mo, d, h, mi, s, tz] = m;
  if (!tz || h === undefined) return `${y}-${mo}-${d}`; // no zone: already local (Finnish) time
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${tz.slice(0, 3)}:${tz.slice(3)}`;
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) throw new GatewayError('INTAKE_INVALID_FIELD', 'effectiveTime is not a valid time', { details: { field: 'effectiveTime' } });
  return FINNISH_DATE.format(when);
}

function readSignatures(header: Element | undefined): ExistingSignature[] {
  const collection = child(header, NS.hl7fi, 'signatureCollection');
  return children(collection, NS.hl7fi, 'signature').map((s) => ({
    id: attr(s, 'ID') ?? '',
    kind: attr(child(s, NS.hl7fi, 'signatureDescription'), 'code') ?? '',
  }));
}

function text(el: Element | undefined): string | undefined {
  const t = textOf(el)?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** An HL7 person name element (family, given with qualifier); also read from Kanta-native frames. */
export function readName(el: Element | undefined): PersonName | undefined {
  if (!el) return undefined;
  const family = children(el, NS.hl7, 'family').map(text).filter((v): v is string => v !== undefined);
  const given = children(el, NS.hl7, 'given').flatMap((g) => {
    const value = text(g);
    if (value === undefined) return [];
    const qualifier = attr(g, 'qualifier');
    return [qualifier ? { value, qualifier } : { value }];
  });
  return family.length || given.length ? { family, given } : undefined;
}

export function readCoded(el: Element | undefined): CodedValue | undefined {
  const code = attr(el, 'code');
  if (!code) return undefined;
  const out: CodedValue = { code };
  for (const k of ['codeSystem', 'codeSystemName', 'displayName'] as const) {
    const v = attr(el, k);
    if (v) out[k] = v.replace(/\s+/g, ' ').trim();
  }
  return out;
}

export function readInstance(el: Element | undefined): { root: string; extension?: string } | undefined {
  const root = attr(el, 'root');
  if (!root || attr(el, 'nullFlavor')) return undefined;
  const extension = attr(el, 'extension');
  return extension ? { root, extension } : { root };
}

function readAuthor(root: Element): ActingPerson | undefined {
  const assigned = walk(root, 'author', 'assignedAuthor');
  if (!assigned) return undefined;
  const org = walk(assigned, 'representedOrganization');
  const out: ActingPerson = {};
  const id = readInstance(walk(assigned, 'id'));
  if (id) out.id = id;
  const name = readName(walk(assigned, 'assignedPerson', 'name'));
  if (name) out.name = name;
  const unit = attr(walk(org, 'id'), 'root');
  if (unit && OID_PATTERN.test(unit)) out.unit = unit;
  const unitName = text(walk(org, 'name'));
  if (unitName) out.unitName = unitName;
  return Object.keys(out).length ? out : undefined;
}

function readPatient(root: Element): PatientDetails | undefined {
  const patient = walk(root, 'recordTarget', 'patientRole', 'patient');
  if (!patient) return undefined;
  const out: PatientDetails = {};
  const name = readName(walk(patient, 'name'));
  if (name) out.name = name;
  const birthTime = attr(walk(patient, 'birthTime'), 'value');
  if (birthTime) out.birthTime = birthTime;
  const gender = readCoded(walk(patient, 'administrativeGenderCode'));
  if (gender) out.gender = gender;
  return Object.keys(out).length ? out : undefined;
}

function readGuardianConsent(root: Element): string[] | undefined {
  const codes = children(root, NS.hl7, 'authorization')
    .map((a) => walk(a, 'consent', 'code'))
    .filter((c) => attr(c, 'codeSystem') === GUARDIAN_CONSENT_SYSTEM && attr(c, 'code'))
    .map((c) => attr(c, 'code') as string);
  return codes.length ? codes : undefined;
}

function readParent(root: Element): ParentDocument | undefined {
  const related = children(root, NS.hl7, 'relatedDocument').find((r) => attr(r, 'typeCode') === 'RPLC');
  if (!related) return undefined;
  const parent = walk(related, 'parentDocument');
  const version = attr(walk(parent, 'versionNumber'), 'value');
  return {
    id: oid(attr(walk(parent, 'id'), 'root'), 'relatedDocument/parentDocument/id'),
    ...(walk(parent, 'setId') ? { setId: oid(attr(walk(parent, 'setId'), 'root'), 'relatedDocument/parentDocument/setId') } : {}),
    ...(version !== undefined ? { versionNumber: Number(version) } : {}),
  };
}

/** `now` only decides whether a hetu's birth date lies in the future (Finnish date). */
export function readDocumentMetadata(doc: Document, now: Date = new Date()): DocumentMetadata {
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.hl7 || root.localName !== 'ClinicalDocument') throw new GatewayError('INTAKE_NOT_CDA');

  const header = child(root, NS.hl7fi, 'localSocialHeader');
  if (!header) throw new GatewayError('INTAKE_MISSING_FIELD', 'Missing CDA header field: hl7fi:localSocialHeader', { details: { field: 'localSocialHeader' } });
  const h = (name: string) => child(header, NS.hl7fi, name);

  const versionText = required(attr(walk(root, 'versionNumber'), 'value'), 'versionNumber');
  const versionNumber = Number(versionText);
  if (!Number.isInteger(versionNumber) || versionNumber < 1) throw new GatewayError('INTAKE_INVALID_FIELD', 'versionNumber must be a positive integer', { details: { field: 'versionNumber' } });

  const patientId = walk(root, 'recordTarget', 'patientRole', 'id');
  const client = { root: oid(attr(patientId, 'root'), 'recordTarget/patientRole/id/@root'), extension: required(attr(patientId, 'extension'), 'recordTarget/patientRole/id/@extension') };
  if (client.root === HETU_ROOT) {
    const today = finnishToday(now);
    if (!isValidHetu(client.extension, '9999-12-31')) throw new GatewayError('INTAKE_INVALID_HETU');
    if (!isValidHetu(client.extension, today)) {
      throw new GatewayError('INTAKE_INVALID_HETU', 'The client personal identity code gives a birth date in the future', { details: { reason: 'future-birth-date' } });
    }
  }

  const encounter = walk(root, 'componentOf', 'encompassingEncounter');
  const admUnit = children(encounter, NS.hl7, 'encounterParticipant').find((p) => attr(p, 'typeCode') === 'ADM');
  const caseIdEl = walk(encounter, 'id');
  const code = walk(root, 'code');
  const effectiveTime = required(attr(walk(root, 'effectiveTime'), 'value'), 'effectiveTime');
  const body = walk(root, 'component', 'nonXMLBody') ?? walk(root, 'component', 'structuredBody');
  const custodianOrg = walk(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization');

  const meta: DocumentMetadata = {
    documentId: oid(attr(walk(root, 'id'), 'root'), 'id'),
    setId: oid(attr(walk(root, 'setId'), 'root'), 'setId'),
    versionNumber,
    custodian: oid(attr(walk(custodianOrg, 'id'), 'root'), 'custodian/assignedCustodian/representedCustodianOrganization/id'),
    documentGroup: required(attr(h('documentGroup'), 'code'), 'localSocialHeader/documentGroup'),
    client,
    effectiveTime,
    documentDate: finnishDateOf(effectiveTime),
    signatures: readSignatures(header),
  };
  const optional: Partial<DocumentMetadata> = {
    custodianName: textOf(walk(custodianOrg, 'name')),
    outsourcingServiceCustomer: optionalOid(attr(h('outsourcingServiceCustomer'), 'root'), 'localSocialHeader/outsourcingServiceCustomer'),
    serviceUnit: optionalOid(attr(walk(admUnit, 'assignedEntity', 'representedOrganization', 'id'), 'root'), 'encounterParticipant[ADM]/representedOrganization/id'),
    responsibleOrganisation: attr(walk(encounter, 'responsibleParty', 'assignedEntity', 'representedOrganization', 'id'), 'root'),
    functionCode: attr(h('functionCode'), 'code'),
    documentTypeCode: attr(code, 'nullFlavor') ? undefined : attr(code, 'code'),
    specificDocumentType: attr(h('specificDocumentType'), 'code'),
    registryType: attr(h('registryType'), 'code'),
    clientRelationshipId: attr(h('encompassingClientRelationship'), 'root'),
    caseId: caseIdEl && !attr(caseIdEl, 'nullFlavor') ? attr(caseIdEl, 'root') : undefined,
    parent: readParent(root),
    bodyId: attr(body, 'ID'),
    author: readAuthor(root),
    patient: readPatient(root),
    clientBirthDate: client.root === HETU_ROOT ? hetuBirthDate(client.extension) : undefined,
    guardianConsentCodes: readGuardianConsent(root),
    languageCode: attr(walk(root, 'languageCode'), 'code'),
    confidentiality: readCoded(walk(root, 'confidentialityCode')),
    serviceUnitName: text(walk(admUnit, 'assignedEntity', 'representedOrganization', 'name')),
    responsibleOrganisationName: text(walk(encounter, 'responsibleParty', 'assignedEntity', 'representedOrganization', 'name')),
    outsourcingServiceCustomerName: text(h('outsourcingServiceCustomerName')),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined && v !== '') (meta as unknown as Record<string, unknown>)[k] = v;
  if (meta.parent && meta.parent.setId && meta.parent.setId !== meta.setId) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'relatedDocument parent setId differs from setId', { details: { field: 'relatedDocument/parentDocument/setId' } });
  }
  return meta;
}

/** Decodes the structured JSON part (hl7fi:json, Base64 UTF-8) of a nonXMLBody, if present. */
export function readBodyJson(doc: Document): unknown | undefined {
  const body = walk(doc.documentElement, 'component', 'nonXMLBody');
  const json = child(body, NS.hl7fi, 'json');
  if (!json) return undefined;
  let b64 = '';
  for (let n = json.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) b64 += n.nodeValue ?? '';
  try {
    return JSON.parse(Buffer.from(b64.replace(/\s+/g, ''), 'base64').toString('utf8'));
  } catch {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'hl7fi:json is not Base64 of valid JSON', { details: { field: 'nonXMLBody/hl7fi:json' } });
  }
}
