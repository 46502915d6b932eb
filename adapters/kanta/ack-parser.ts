// Reads the MCCI-style application acknowledgement (kanta-binding.md §4), also the ack block inside a
// query answer. Input is an element from parseResponseXml/unwrapResponse (safe parsing: no DTDs).
// Anything that is not a readable ack is KANTA_BAD_RESPONSE, which the classification retries.
import { GatewayError } from '../../domain/errors.ts';
import { NS, attr, children, textOf, walk } from '../xml/safe-parse.ts';
import type { InstanceId } from '../../domain/document-header.ts';

export type AckTypeCode = 'AA' | 'AE' | 'AR';

export interface AckDetail {
  /** E error, W warning, I information. */
  typeCode?: string;
  code?: string;
  codeSystem?: string;
  text?: string;
  location?: string;
}

export interface ParsedAck {
  /** Root element name of the answer, e.g. MCCI_IN000002UV01 or RCMR_IN200011FI01. */
  interaction: string;
  messageId?: InstanceId;
  typeCode: AckTypeCode;
  targetMessageId?: InstanceId;
  details: AckDetail[];
}

const MAX_TEXT = 1000; // detail texts are for operators; a runaway text must not bloat job records

function bad(reason: string): GatewayError {
  return new GatewayError('KANTA_BAD_RESPONSE', `Kanta's acknowledgement is unreadable: ${reason}`, { details: { reason } });
}

function instanceId(el: Element | undefined): InstanceId | undefined {
  const root = attr(el, 'root');
  if (!root) return undefined;
  const extension = attr(el, 'extension');
  return extension === undefined ? { root } : { root, extension };
}

function clip(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, MAX_TEXT);
}

/**
 * acknowledgement/typeCode is an attribute in the HL7 V3 2006 edition (`typeCode="AA"`) and an element in
 * the 2008 edition (`<typeCode code="AA"/>`); both are read. Both forms at once must agree.
 */
function ackTypeCode(ack: Element): string | undefined {
  const asAttribute = attr(ack, 'typeCode');
  const elements = children(ack, NS.hl7, 'typeCode');
  if (elements.length > 1) throw bad('several acknowledgement/typeCode elements');
  const asElement = elements.length === 1 ? attr(elements[0], 'code') : undefined;
  if (elements.length === 1 && asElement === undefined) throw bad('acknowledgement/typeCode element has no code');
  if (asAttribute !== undefined && asElement !== undefined && asAttribute !== asElement) throw bad('acknowledgement typeCode attribute and element differ');
  return asAttribute ?? asElement;
}

export function parseAck(element: Element): ParsedAck {
  if (element.namespaceURI !== NS.hl7) throw bad('root element is not in urn:hl7-org:v3');
  const acks = children(element, NS.hl7, 'acknowledgement');
  if (acks.length !== 1) throw bad(acks.length === 0 ? 'no acknowledgement element' : 'several acknowledgement elements');
  const ack = acks[0]!;
  const typeCode = ackTypeCode(ack);
  if (typeCode !== 'AA' && typeCode !== 'AE' && typeCode !== 'AR') throw bad(`acknowledgement typeCode ${String(typeCode).slice(0, 8)} is not AA, AE or AR`);

  const details: AckDetail[] = children(ack, NS.hl7, 'acknowledgementDetail').map((d) => {
    const code = walk(d, 'code');
    const out: AckDetail = {};
    const typeCodeD = attr(d, 'typeCode');
    if (typeCodeD !== undefined) out.typeCode = typeCodeD;
    const c = attr(code, 'code');
    if (c !== undefined) out.code = c;
    const cs = attr(code, 'codeSystem');
    if (cs !== undefined) out.codeSystem = cs;
    const text = clip(textOf(walk(d, 'text')));
    if (text !== undefined) out.text = text;
    const location = clip(textOf(walk(d, 'location')));
    if (location !== undefined) out.location = location;
    return out;
  });

  const parsed: ParsedAck = { interaction: element.localName, typeCode, details };
  const messageId = instanceId(walk(element, 'id'));
  if (messageId) parsed.messageId = messageId;
  const target = instanceId(walk(ack, 'targetMessage', 'id'));
  if (target) parsed.targetMessageId = target;
  return parsed;
}
