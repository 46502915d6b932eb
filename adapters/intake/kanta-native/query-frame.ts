// Reads a tenant's own "Hae asiakkuus" message (kanta-binding.md §5, SOAP 1.1 binding of §3) the way
// the archive would: the envelope with one HL7 message in its Body, the transmission wrapper, the
// asking unit and the query parameters. Safe parsing with the configured structure limits, UTF-8 only.
// Two stages, because a refusal is answered differently: an unreadable envelope can only be a SOAP
// Fault, while a readable message that is wrong gets a Kanta-format AR addressed to its message id.
// Error messages and details name the part (an XPath), never a value: the values may be hetus.
import { GatewayError } from '../../../domain/errors.ts';
import { OID_PATTERN } from '../../../domain/values.ts';
import { NS, attr, child, children, parseXmlSafely, walk } from '../../xml/safe-parse.ts';
import type { XmlLimits } from '../../xml/xml-limits.ts';

const OID = OID_PATTERN;
const HL7_INTERACTION_ROOT = '2.16.840.1.113883.1.6';

export interface InstanceRef {
  root: string;
  extension: string;
}

/** What can be read of the wrapper even when the rest is wrong: enough to address an AR. */
export interface QueryWrapperIds {
  messageId?: InstanceRef;
  /** The tenant system's device id (sender): the answer's receiver. */
  senderId?: string;
  /** The device id the tenant addressed (receiver): the answer's sender. */
  receiverId?: string;
  processingCode?: string;
}

export interface KantaNativeQueryFrame extends Required<Omit<QueryWrapperIds, 'processingCode'>> {
  processingCode: string;
  askingUnit: string;
  custodian: string;
  client: InstanceRef;
  /** authorOrPerformer/assignedPerson/id, unless it is a nullFlavor. */
  actingPerson?: InstanceRef;
}

function invalid(location: string, reason: string): GatewayError {
  return new GatewayError('QUERY_INVALID', `The query message is not readable: ${reason}`, { details: { location, reason } });
}

/** SOAP 1.1 (§6.1.1): text/xml; the body is read as UTF-8 only. */
function checkContentType(contentType: string): void {
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'text/xml') throw new GatewayError('INTAKE_UNSUPPORTED_MEDIA_TYPE', 'A Kanta-native query is SOAP 1.1: Content-Type text/xml', { details: { contentType: type ?? '' } });
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new GatewayError('INTAKE_UNSUPPORTED_CHARSET', undefined, { details: { charset } });
}

/** Stage 1: the HL7 message inside the envelope. Throws coded errors answered as a SOAP Fault (Client). */
export function readQueryEnvelope(body: Buffer, o: { contentType: string; soapAction?: string | undefined; interactionId: string; limits: XmlLimits }): Element {
  checkContentType(o.contentType);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new GatewayError('INTAKE_INVALID_ENCODING');
  }
  const envelope = parseXmlSafely(text, o.limits).documentElement as Element;
  if (envelope.namespaceURI !== NS.soap11 || envelope.localName !== 'Envelope') throw invalid('/Envelope', 'not a SOAP 1.1 envelope');
  const bodyEl = child(envelope, NS.soap11, 'Body');
  const elements: Element[] = [];
  for (let n = bodyEl?.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) elements.push(n as Element);
  if (elements.length !== 1) throw invalid('/Envelope/Body', 'the Body must hold exactly one HL7 message');
  // SOAPAction is optional; when given it must name the query interaction (kanta-binding.md §3).
  const action = o.soapAction?.trim().replace(/^"|"$/g, '');
  if (action && action !== `urn:hl7-org:v3/${o.interactionId}`) throw invalid('SOAPAction', `SOAPAction must be urn:hl7-org:v3/${o.interactionId}`);
  return elements[0]!;
}

function instance(el: Element | undefined): InstanceRef | undefined {
  const root = attr(el, 'root');
  const extension = attr(el, 'extension');
  return root && extension ? { root, extension } : undefined;
}

/** Whatever of the wrapper is readable, for addressing the answer. Never throws. */
export function readQueryWrapperIds(msg: Element): QueryWrapperIds {
  const messageId = instance(walk(msg, 'id'));
  const senderId = attr(walk(msg, 'sender', 'device', 'id'), 'root');
  const receiverId = attr(walk(msg, 'receiver', 'device', 'id'), 'root');
  const processingCode = attr(walk(msg, 'processingCode'), 'code');
  return { ...(messageId ? { messageId } : {}), ...(senderId ? { senderId } : {}), ...(receiverId ? { receiverId } : {}), ...(processingCode ? { processingCode } : {}) };
}

function oidAt(el: Element | undefined, location: string): string {
  const v = attr(el, 'root');
  if (!v || !OID.test(v) || v.length > 128) throw invalid(location, 'an OID is required');
  return v;
}

/** Stage 2: the query itself. Throws QUERY_INVALID (details.location), answered as a Kanta-format AR. */
export function readQueryMessage(msg: Element, interactionId: string): KantaNativeQueryFrame {
  if (msg.namespaceURI !== NS.hl7 || msg.localName !== interactionId) throw invalid('/*', `the message must be ${interactionId} in urn:hl7-org:v3`);
  const interaction = walk(msg, 'interactionId');
  if (attr(interaction, 'root') !== HL7_INTERACTION_ROOT || attr(interaction, 'extension') !== interactionId) throw invalid('/*/interactionId', 'interactionId must name the root element');
  if (attr(msg, 'ITSVersion') !== 'XML_1.0') throw invalid('/*/@ITSVersion', 'ITSVersion must be XML_1.0');
  const ids = readQueryWrapperIds(msg);
  if (!ids.messageId || !OID.test(ids.messageId.root)) throw invalid('/*/id', 'a message id (root OID and extension) is required');
  if (children(msg, NS.hl7, 'sender').length !== 1 || !ids.senderId) throw invalid('/*/sender/device/id/@root', 'exactly one sender device id is required');
  if (children(msg, NS.hl7, 'receiver').length !== 1 || !ids.receiverId) throw invalid('/*/receiver/device/id/@root', 'exactly one receiver device id is required');
  if (!['P', 'D', 'T'].includes(ids.processingCode ?? '')) throw invalid('/*/processingCode/@code', 'processingCode must be P, D or T');

  const cap = walk(msg, 'controlActProcess');
  if (!cap) throw invalid('/*/controlActProcess', 'controlActProcess is required');
  const performer = walk(cap, 'authorOrPerformer', 'assignedPerson');
  const askingUnit = oidAt(walk(performer, 'representedOrganization', 'id'), '/*/controlActProcess/authorOrPerformer/assignedPerson/representedOrganization/id/@root');
  const personEl = walk(performer, 'id');
  let actingPerson: InstanceRef | undefined;
  if (personEl && attr(personEl, 'nullFlavor') === undefined) {
    actingPerson = instance(personEl);
    if (!actingPerson || !OID.test(actingPerson.root) || actingPerson.extension.length > 64) throw invalid('/*/controlActProcess/authorOrPerformer/assignedPerson/id', 'the acting person needs root and extension, or nullFlavor');
  }
  const q = walk(cap, 'queryByParameter');
  if (!q) throw invalid('/*/controlActProcess/queryByParameter', 'queryByParameter is required');
  const custodian = oidAt(walk(q, 'custodian', 'value'), '/*/controlActProcess/queryByParameter/custodian/value/@root');
  const patient = instance(walk(q, 'patientId', 'value'));
  if (!patient || !OID.test(patient.root) || patient.extension.length > 64) throw invalid('/*/controlActProcess/queryByParameter/patientId/value', 'patientId needs root and extension');
  return {
    messageId: ids.messageId,
    senderId: ids.senderId,
    receiverId: ids.receiverId,
    processingCode: ids.processingCode!,
    askingUnit,
    custodian,
    client: patient,
    ...(actingPerson ? { actingPerson } : {}),
  };
}
