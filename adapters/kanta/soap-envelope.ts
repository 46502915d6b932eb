// SOAP 1.1 binding (kanta-binding.md §3): the built HL7 message goes into the Body as the exact
// string, and answers come back as the Body's first element or a Fault. The plain binding posts and
// receives the bare HL7 message; unwrapResponse reads both, so a bare ack or a stray envelope is
// understood whatever the configured binding.
import { GatewayError } from '../../domain/errors.ts';
import { NS, child, parseXmlSafely, textOf } from '../xml/safe-parse.ts';

const ENVELOPE_OPEN = `<soapenv:Envelope xmlns:soapenv="${NS.soap11}"><soapenv:Header/><soapenv:Body>`;
const ENVELOPE_CLOSE = `</soapenv:Body></soapenv:Envelope>`;

export function wrapInSoapEnvelope(hl7Xml: string): string {
  return ENVELOPE_OPEN + hl7Xml + ENVELOPE_CLOSE;
}

/** SOAPAction header value, quoted as SOAP 1.1 §6.1.1 requires. */
export function soapActionFor(interactionId: string): string {
  return `"urn:hl7-org:v3/${interactionId}"`;
}

/** SOAP 1.1 §4.4.1: Client = the message was wrong (do not resend as is); Server = processing trouble (may succeed later). */
export type FaultSide = 'Client' | 'Server' | 'Other';

export interface SoapFault {
  kind: 'fault';
  side: FaultSide;
  faultcode: string;
  faultstring: string;
  /** Text of the optional detail element (SOAP 1.1 §4.4: application-specific error information). */
  detail: string;
}

export interface ResponseMessage {
  kind: 'message';
  /** The HL7 root element (Body first child, or the document element of a bare answer). */
  element: Element;
}

function firstElement(parent: Element): Element | undefined {
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) return n as Element;
  return undefined;
}

function unqualifiedChild(parent: Element, localName: string): Element | undefined {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && !(n as Element).namespaceURI && (n as Element).localName === localName) return n as Element;
  }
  return undefined;
}

function faultSide(faultcode: string): FaultSide {
  // faultcode is a QName; dotted refinements such as Client.Authentication keep their class.
  const local = faultcode.includes(':') ? faultcode.slice(faultcode.indexOf(':') + 1) : faultcode;
  const cls = local.split('.')[0];
  if (cls === 'Client' || cls === 'VersionMismatch' || cls === 'MustUnderstand') return 'Client';
  if (cls === 'Server') return 'Server';
  return 'Other';
}

/** Parses an answer body; unreadable XML is KANTA_BAD_RESPONSE (never an intake error). */
export function parseResponseXml(text: string): Document {
  try {
    return parseXmlSafely(text);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown';
    throw new GatewayError('KANTA_BAD_RESPONSE', 'Kanta\'s answer is not well-formed XML', { details: { reason: code }, cause: err });
  }
}

export function unwrapResponse(doc: Document): ResponseMessage | SoapFault {
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.soap11 || root.localName !== 'Envelope') return { kind: 'message', element: root };
  const body = child(root, NS.soap11, 'Body');
  if (!body) throw new GatewayError('KANTA_BAD_RESPONSE', 'SOAP envelope without a Body', { details: { reason: 'no-body' } });
  const first = firstElement(body);
  if (!first) throw new GatewayError('KANTA_BAD_RESPONSE', 'SOAP Body is empty', { details: { reason: 'empty-body' } });
  if (first.namespaceURI === NS.soap11 && first.localName === 'Fault') {
    // SOAP 1.1 fault children are unqualified.
    const faultcode = textOf(unqualifiedChild(first, 'faultcode')) ?? '';
    const faultstring = textOf(unqualifiedChild(first, 'faultstring')) ?? '';
    const detail = textOf(unqualifiedChild(first, 'detail')) ?? '';
    return { kind: 'fault', side: faultSide(faultcode), faultcode, faultstring: faultstring.slice(0, 500), detail: detail.slice(0, 500) };
  }
  return { kind: 'message', element: first };
}
