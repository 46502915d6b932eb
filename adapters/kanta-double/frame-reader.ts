// Reads and checks the HL7 V3 transmission wrapper and controlAct of a request (kanta-binding.md §2,
// §5; kanta.md checks 2–4). Written from the contract alone: nothing here is shared with the
// gateway's message builder.
import { NS, attr, child, children, textOf, walk } from '../xml/safe-parse.ts';
import { refuse } from './detail-codes.ts';

const HL7_INTERACTION_ROOT = '2.16.840.1.113883.1.6';
const SERVICE_REQUEST_SYSTEM = '1.2.246.537.6.1503.201601';
const USAGE_SITUATION_SYSTEM = '1.2.246.537.6.1289.201901';
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
// HL7 TS with at least minutes; a send time without a clock is not a creation time.
const HL7_DATETIME = /^\d{12}(\d{2}(\.\d{1,4})?)?([+-]\d{4})?$/;

export interface MessageId {
  root: string;
  extension: string;
}

export interface TransmissionWrapper {
  interactionId: string;
  messageId: MessageId;
  senderId: string;
}

export interface InstanceRef {
  root: string;
  extension?: string;
}

export interface FrameDocument {
  id: string;
  setId: string;
  versionNumber: string;
  custodian: string;
  patient: InstanceRef;
  parent?: { id: string; setId?: string; versionNumber?: string };
  mimeText: string;
}

export interface ArchiveFrame {
  wrapper: TransmissionWrapper;
  serviceRequest: string;
  usageSituation: string;
  writerUnit: string;
  document: FrameDocument;
}

export interface QueryFrame {
  wrapper: TransmissionWrapper;
  askingUnit: string;
  custodian: string;
  patient: InstanceRef;
}

function oidAt(el: Element | undefined, location: string): string {
  const v = attr(el, 'root');
  if (!v || !OID.test(v)) refuse('FRAME_MISSING_FIELD', location);
  return v;
}

/** Check 2, except the parts needing state (message id reuse, sender registration). */
export function readTransmissionWrapper(msg: Element, receiverId: string): TransmissionWrapper {
  if (msg.namespaceURI !== NS.hl7) refuse('FRAME_UNKNOWN_INTERACTION', '/*');
  const interaction = walk(msg, 'interactionId');
  const interactionId = attr(interaction, 'extension');
  if (!interactionId) refuse('FRAME_MISSING_FIELD', '/*/interactionId/@extension');
  if (attr(interaction, 'root') !== HL7_INTERACTION_ROOT) refuse('FRAME_INTERACTION_ROOT', '/*/interactionId/@root');
  if (msg.localName !== interactionId) refuse('FRAME_ROOT_MISMATCH', '/*');
  if (attr(msg, 'ITSVersion') !== 'XML_1.0') refuse('FRAME_ITS_VERSION', '/*/@ITSVersion');
  const idEl = walk(msg, 'id');
  const root = attr(idEl, 'root');
  const extension = attr(idEl, 'extension');
  if (!root || !OID.test(root) || !extension) refuse('FRAME_MESSAGE_ID_MISSING', '/*/id');
  if (!HL7_DATETIME.test(attr(walk(msg, 'creationTime'), 'value') ?? '')) refuse('FRAME_CREATION_TIME', '/*/creationTime/@value');
  if (!['P', 'D', 'T'].includes(attr(walk(msg, 'processingCode'), 'code') ?? '')) refuse('FRAME_PROCESSING_CODE', '/*/processingCode/@code');
  if (!['T', 'A', 'I', 'R'].includes(attr(walk(msg, 'processingModeCode'), 'code') ?? '')) refuse('FRAME_PROCESSING_CODE', '/*/processingModeCode/@code');
  if (!['AL', 'ER', 'NE'].includes(attr(walk(msg, 'acceptAckCode'), 'code') ?? '')) refuse('FRAME_ACCEPT_ACK_CODE', '/*/acceptAckCode/@code');
  const receivers = children(msg, NS.hl7, 'receiver');
  if (receivers.length !== 1 || attr(walk(receivers[0], 'device', 'id'), 'root') !== receiverId) refuse('FRAME_RECEIVER', '/*/receiver/device/id/@root');
  const senders = children(msg, NS.hl7, 'sender');
  const senderId = attr(walk(senders[0], 'device', 'id'), 'root');
  if (senders.length !== 1 || !senderId) refuse('FRAME_SENDER_UNKNOWN', '/*/sender/device/id/@root');
  return { interactionId, messageId: { root, extension }, senderId };
}

function unitOf(cap: Element | undefined): string {
  const performer = walk(cap, 'authorOrPerformer', 'assignedPerson', 'representedOrganization', 'id');
  return oidAt(performer, '/*/controlActProcess/authorOrPerformer/assignedPerson/representedOrganization/id/@root');
}

/** Check 3 (counts and known codes) and the frame side of check 4. */
export function readArchiveFrame(msg: Element, wrapper: TransmissionWrapper, usageCodes: string[]): ArchiveFrame {
  const cap = walk(msg, 'controlActProcess');
  if (!cap) refuse('FRAME_MISSING_FIELD', '/*/controlActProcess');
  const reasons = children(cap, NS.hl7, 'reasonCode');
  const sr = reasons.filter((r) => attr(r, 'codeSystem') === SERVICE_REQUEST_SYSTEM);
  const us = reasons.filter((r) => attr(r, 'codeSystem') === USAGE_SITUATION_SYSTEM);
  if (sr.length !== 1 || !attr(sr[0], 'code')) refuse('REASON_SERVICE_REQUEST_COUNT', '/*/controlActProcess/reasonCode');
  if (us.length !== 1 || !attr(us[0], 'code')) refuse('REASON_USAGE_SITUATION_COUNT', '/*/controlActProcess/reasonCode');
  const usageSituation = attr(us[0], 'code') as string;
  if (!usageCodes.includes(usageSituation)) refuse('REASON_USAGE_SITUATION_UNKNOWN', '/*/controlActProcess/reasonCode');
  const writerUnit = unitOf(cap);

  const subjects = children(cap, NS.hl7, 'subject');
  if (subjects.length !== 1) refuse('FRAME_MISSING_FIELD', '/*/controlActProcess/subject');
  const cd = walk(subjects[0], 'clinicalDocument');
  if (!cd) refuse('FRAME_MISSING_FIELD', '/*/controlActProcess/subject/clinicalDocument');
  const base = '/*/controlActProcess/subject/clinicalDocument';
  const text = walk(cd, 'text');
  if (!text || attr(text, 'mediaType') !== 'multipart/related') refuse('MIME_MISSING', `${base}/text`);
  const patientId = walk(cd, 'recordTarget', 'patient', 'id');
  const related = children(cd, NS.hl7, 'relatedDocument').find((r) => attr(r, 'typeCode') === 'RPLC');
  const parentDoc = walk(related, 'parentDocument');
  const document: FrameDocument = {
    id: oidAt(walk(cd, 'id'), `${base}/id/@root`),
    setId: oidAt(walk(cd, 'setId'), `${base}/setId/@root`),
    versionNumber: attr(walk(cd, 'versionNumber'), 'value') ?? refuse('FRAME_MISSING_FIELD', `${base}/versionNumber/@value`),
    custodian: oidAt(walk(cd, 'custodian', 'assignedCustodian', 'representedOrganization', 'id'), `${base}/custodian/assignedCustodian/representedOrganization/id/@root`),
    patient: {
      root: attr(patientId, 'root') ?? refuse('FRAME_MISSING_FIELD', `${base}/recordTarget/patient/id/@root`),
      ...(attr(patientId, 'extension') ? { extension: attr(patientId, 'extension') as string } : {}),
    },
    mimeText: textOf(text) ?? '',
  };
  if (parentDoc) {
    document.parent = {
      id: oidAt(walk(parentDoc, 'id'), `${base}/relatedDocument/parentDocument/id/@root`),
      ...(attr(walk(parentDoc, 'setId'), 'root') ? { setId: attr(walk(parentDoc, 'setId'), 'root') as string } : {}),
      ...(attr(walk(parentDoc, 'versionNumber'), 'value') ? { versionNumber: attr(walk(parentDoc, 'versionNumber'), 'value') as string } : {}),
    };
  }
  return { wrapper, serviceRequest: attr(sr[0], 'code') as string, usageSituation, writerUnit, document };
}

export function readQueryFrame(msg: Element, wrapper: TransmissionWrapper): QueryFrame {
  const cap = walk(msg, 'controlActProcess');
  if (!cap) refuse('FRAME_MISSING_FIELD', '/*/controlActProcess');
  const askingUnit = unitOf(cap);
  const q = walk(cap, 'queryByParameter');
  const custodian = attr(walk(q, 'custodian', 'value'), 'root');
  const patient = walk(q, 'patientId', 'value');
  const root = attr(patient, 'root');
  const extension = attr(patient, 'extension');
  if (!custodian || !OID.test(custodian) || !root || !extension) refuse('QUERY_MISSING_PARAMETER', '/*/controlActProcess/queryByParameter');
  return { wrapper, askingUnit, custodian, patient: { root, extension } };
}

/** The first element child of a SOAP 1.1 Body, when the body holds exactly one. */
export function soapBodyMessage(envelope: Element): Element {
  if (envelope.namespaceURI !== NS.soap11 || envelope.localName !== 'Envelope') refuse('FRAME_SOAP_ENVELOPE', '/Envelope');
  const body = child(envelope, NS.soap11, 'Body');
  const elements: Element[] = [];
  for (let n = body?.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) elements.push(n as Element);
  if (elements.length !== 1) refuse('FRAME_SOAP_ENVELOPE', '/Envelope/Body');
  return elements[0] as Element;
}
