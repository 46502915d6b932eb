// The outside of a Kanta-native request (kanta-binding.md §3, the binding the gateway itself speaks
// towards Kanta): a SOAP 1.1 envelope whose Body holds one HL7 V3 message, read with the same safe
// parser and XML limits as every other intake (no DTD, bounded structure, UTF-8 only). The wrapper is
// read leniently first so even a refusal can name the tenant's message id as its targetMessage.
import type { InstanceId } from '../../../domain/document-header.ts';
import { GatewayError } from '../../../domain/errors.ts';
import { isOid, type DocumentOperation } from '../../../domain/values.ts';
import type { KantaCodes } from '../../../config/schema.ts';
import { NS, attr, child, children, parseXmlSafely, walk } from '../../xml/safe-parse.ts';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../../xml/xml-limits.ts';
import { decodeUtf8Body } from '../cda-xml.ts';

const HL7_INTERACTION_ROOT = '2.16.840.1.113883.1.6';

/** What a Kanta-native message asks for: one of the document operations, or the 'Hae asiakkuus' query. */
export type NativeInteraction = DocumentOperation | 'queryClientRelationship';

/** The transmission wrapper as far as it could be read (kanta-binding.md §2); every field may be missing. */
export interface NativeWrapper {
  /** The root element's local name (= interactionId/@extension in a well-formed message). */
  rootName: string;
  interactionId?: string;
  messageId?: InstanceId;
  senderId?: string;
  receiverId?: string;
  processingCode?: string;
}

export function frameInvalid(field: string, message?: string): GatewayError {
  return new GatewayError('NATIVE_FRAME_INVALID', message ?? `The archive message lacks a valid ${field}`, { details: { field } });
}

/** The HL7 message inside the envelope (the Body's one element child). */
export function parseNativeEnvelope(body: Buffer, limits: XmlLimits = DEFAULT_XML_LIMITS): Element {
  if (body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
  const envelope = parseXmlSafely(decodeUtf8Body(body), limits).documentElement;
  if (envelope.namespaceURI !== NS.soap11 || envelope.localName !== 'Envelope') throw frameInvalid('soapenv:Envelope', 'The body is not a SOAP 1.1 envelope (http://schemas.xmlsoap.org/soap/envelope/)');
  const soapBody = child(envelope, NS.soap11, 'Body');
  const elements: Element[] = [];
  for (let n = soapBody?.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) elements.push(n as Element);
  if (elements.length !== 1) throw frameInvalid('soapenv:Body', 'The SOAP Body must hold exactly one HL7 message');
  return elements[0]!;
}

/** Never throws: what the answer needs to address the tenant (message id, devices). */
export function readWrapper(message: Element): NativeWrapper {
  const id = walk(message, 'id');
  const root = attr(id, 'root');
  const extension = attr(id, 'extension');
  const device = (side: string) => attr(walk(children(message, NS.hl7, side)[0], 'device', 'id'), 'root');
  const w: NativeWrapper = { rootName: message.localName };
  const interactionId = attr(walk(message, 'interactionId'), 'extension');
  if (interactionId) w.interactionId = interactionId;
  if (root && isOid(root)) w.messageId = extension ? { root, extension } : { root };
  const senderId = device('sender');
  if (senderId) w.senderId = senderId;
  const receiverId = device('receiver');
  if (receiverId) w.receiverId = receiverId;
  const processingCode = attr(walk(message, 'processingCode'), 'code');
  if (processingCode) w.processingCode = processingCode;
  return w;
}

/** The wrapper checks a Kanta archive would make, and which interaction this is (kanta.codes.interactions). */
export function interactionOf(message: Element, wrapper: NativeWrapper, codes: KantaCodes): NativeInteraction {
  if (message.namespaceURI !== NS.hl7) throw new GatewayError('NATIVE_INTERACTION_UNSUPPORTED', 'The SOAP Body does not hold an HL7 V3 message (urn:hl7-org:v3)', { details: { field: '/*' } });
  if (attr(walk(message, 'interactionId'), 'root') !== HL7_INTERACTION_ROOT) throw frameInvalid('interactionId/@root');
  if (wrapper.interactionId !== wrapper.rootName) throw frameInvalid('interactionId/@extension', 'interactionId/@extension must name the root element');
  if (attr(message, 'ITSVersion') !== 'XML_1.0') throw frameInvalid('@ITSVersion');
  if (!wrapper.messageId?.extension) throw frameInvalid('id', 'The message id (id/@root and @extension) is missing');
  if (!wrapper.senderId || !isOid(wrapper.senderId)) throw frameInvalid('sender/device/id/@root');
  const entry = (Object.entries(codes.interactions) as Array<[NativeInteraction, string]>).find(([, id]) => id === wrapper.rootName);
  if (!entry) throw new GatewayError('NATIVE_INTERACTION_UNSUPPORTED', undefined, { details: { field: '/*', interaction: wrapper.rootName.slice(0, 40) } });
  return entry[0];
}
