// Reads the controlActProcess of a tenant's archive, version or void message (kanta-binding.md §2, the
// shape of ../shared/samples/asia_K.xml): the two reason codes, the acting person, and the frame's copy
// of the document's metadata with the CDA in its multipart/related text. Translation only; whether the
// copy agrees with the CDA is frame-consistency.ts, whether the codes agree with routing is intake's.
import type { ActingPerson, InstanceId, ParentDocument, PatientDetails } from '../../../domain/document-header.ts';
import { isOid } from '../../../domain/values.ts';
import { readCoded, readInstance, readName } from '../../cda/read-metadata.ts';
import { NS, attr, children, textOf, walk } from '../../xml/safe-parse.ts';
import { frameInvalid } from './native-request.ts';

export const SERVICE_REQUEST_SYSTEM = '1.2.246.537.6.1503.201601'; // palvelupyyntö
export const USAGE_SITUATION_SYSTEM = '1.2.246.537.6.1289.201901'; // käyttötilanne

export interface FrameDocumentCopy {
  id: string;
  setId: string;
  versionNumber: number;
  custodian: string;
  custodianName?: string;
  patient: InstanceId;
  patientStatusCode?: string;
  patientPerson?: PatientDetails;
  author?: ActingPerson;
  parent?: ParentDocument;
  /** The text content of clinicalDocument/text (the MIME), XML entities already resolved. */
  mimeText: string;
}

export interface NativeArchiveFrame {
  serviceRequest: string;
  usageSituation: string;
  performerTypeCode?: string;
  /** authorOrPerformer/assignedPerson: id, name and the unit performing the operation. */
  actingPerson: ActingPerson;
  document: FrameDocumentCopy;
}

const CD = 'controlActProcess/subject/clinicalDocument';

function oidOf(el: Element | undefined, field: string): string {
  const v = attr(el, 'root');
  if (!v || !isOid(v)) throw frameInvalid(field);
  return v;
}

function text(el: Element | undefined): string | undefined {
  const t = textOf(el);
  return t ? t : undefined;
}

function oneReason(cap: Element, system: string, field: string): string {
  const found = children(cap, NS.hl7, 'reasonCode').filter((r) => attr(r, 'codeSystem') === system);
  const code = attr(found[0], 'code');
  if (found.length !== 1 || !code) throw frameInvalid(field, `controlActProcess needs exactly one reasonCode of ${system}`);
  return code;
}

function readActingPerson(assigned: Element | undefined): ActingPerson {
  const out: ActingPerson = {};
  const id = readInstance(walk(assigned, 'id'));
  if (id) out.id = id;
  const name = readName(walk(assigned, 'assignedPerson', 'name'));
  if (name) out.name = name;
  out.unit = oidOf(walk(assigned, 'representedOrganization', 'id'), 'controlActProcess/authorOrPerformer/assignedPerson/representedOrganization/id/@root');
  const unitName = text(walk(assigned, 'representedOrganization', 'name'));
  if (unitName) out.unitName = unitName;
  return out;
}

function readFrameAuthor(cd: Element): ActingPerson | undefined {
  const assigned = walk(cd, 'author', 'assignedAuthor');
  if (!assigned) return undefined;
  const out: ActingPerson = {};
  const id = readInstance(walk(assigned, 'id'));
  if (id) out.id = id;
  const name = readName(walk(assigned, 'assignedPerson', 'name'));
  if (name) out.name = name;
  return out.id || out.name ? out : undefined;
}

function readPatientPerson(patient: Element | undefined): PatientDetails | undefined {
  const person = walk(patient, 'patientPerson');
  if (!person) return undefined;
  const out: PatientDetails = {};
  const name = readName(walk(person, 'name'));
  if (name) out.name = name;
  const gender = readCoded(walk(person, 'administrativeGenderCode'));
  if (gender) out.gender = gender;
  const birthTime = attr(walk(person, 'birthTime'), 'value');
  if (birthTime) out.birthTime = birthTime;
  return Object.keys(out).length ? out : undefined;
}

function readParent(cd: Element): ParentDocument | undefined {
  const related = children(cd, NS.hl7, 'relatedDocument').find((r) => attr(r, 'typeCode') === 'RPLC');
  if (!related) return undefined;
  const parent = walk(related, 'parentDocument');
  const out: ParentDocument = { id: oidOf(walk(parent, 'id'), `${CD}/relatedDocument/parentDocument/id/@root`) };
  const setId = attr(walk(parent, 'setId'), 'root');
  if (setId !== undefined) out.setId = oidOf(walk(parent, 'setId'), `${CD}/relatedDocument/parentDocument/setId/@root`);
  const version = attr(walk(parent, 'versionNumber'), 'value');
  if (version !== undefined) out.versionNumber = Number(version);
  return out;
}

export function readArchiveFrame(message: Element): NativeArchiveFrame {
  const cap = walk(message, 'controlActProcess');
  if (!cap) throw frameInvalid('controlActProcess');
  const serviceRequest = oneReason(cap, SERVICE_REQUEST_SYSTEM, 'controlActProcess/reasonCode (palvelupyyntö)');
  const usageSituation = oneReason(cap, USAGE_SITUATION_SYSTEM, 'controlActProcess/reasonCode (käyttötilanne)');
  const aop = walk(cap, 'authorOrPerformer');
  if (!aop) throw frameInvalid('controlActProcess/authorOrPerformer');
  const actingPerson = readActingPerson(walk(aop, 'assignedPerson'));

  const subjects = children(cap, NS.hl7, 'subject');
  const cd = walk(subjects[0], 'clinicalDocument');
  if (subjects.length !== 1 || !cd) throw frameInvalid(CD, 'controlActProcess needs exactly one subject/clinicalDocument');
  const textEl = walk(cd, 'text');
  if (!textEl || attr(textEl, 'mediaType') !== 'multipart/related') throw frameInvalid(`${CD}/text`, 'clinicalDocument/text must be mediaType="multipart/related" carrying the CDA');
  const versionText = attr(walk(cd, 'versionNumber'), 'value');
  const versionNumber = Number(versionText);
  if (!versionText || !Number.isInteger(versionNumber) || versionNumber < 1) throw frameInvalid(`${CD}/versionNumber/@value`);
  const patient = walk(cd, 'recordTarget', 'patient');
  const patientId = readInstance(walk(patient, 'id'));
  if (!patientId) throw frameInvalid(`${CD}/recordTarget/patient/id`);
  const custodianOrg = walk(cd, 'custodian', 'assignedCustodian', 'representedOrganization');

  const document: FrameDocumentCopy = {
    id: oidOf(walk(cd, 'id'), `${CD}/id/@root`),
    setId: oidOf(walk(cd, 'setId'), `${CD}/setId/@root`),
    versionNumber,
    custodian: oidOf(walk(custodianOrg, 'id'), `${CD}/custodian/assignedCustodian/representedOrganization/id/@root`),
    patient: patientId,
    // The MIME text is read raw: surrounding white space is harmless to the MIME reader, inner CRs matter.
    mimeText: textEl.textContent ?? '',
  };
  const custodianName = text(walk(custodianOrg, 'name'));
  if (custodianName) document.custodianName = custodianName;
  const statusCode = attr(walk(patient, 'statusCode'), 'code');
  if (statusCode) document.patientStatusCode = statusCode;
  const patientPerson = readPatientPerson(patient);
  if (patientPerson) document.patientPerson = patientPerson;
  const author = readFrameAuthor(cd);
  if (author) document.author = author;
  const parent = readParent(cd);
  if (parent) document.parent = parent;

  const performerTypeCode = attr(aop, 'typeCode');
  return { serviceRequest, usageSituation, ...(performerTypeCode ? { performerTypeCode } : {}), actingPerson, document };
}
