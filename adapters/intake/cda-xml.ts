// Intake format "CDA XML": a bare CDA R2 document, as POST /v1/documents takes it. Translation only —
// decode strictly as UTF-8 (the one encoding accepted: a UTF-16 byte order mark or invalid UTF-8 is
// refused, never guessed), parse safely (no DTD, no entities, bounded structure), read the header; no
// routing or rights rule lives here.
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { readBodyJson, readDocumentMetadata } from '../cda/read-metadata.ts';
import { NS, attr, child, parseXmlSafely } from '../xml/safe-parse.ts';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/xml-limits.ts';

export const CDA_XML_MEDIA_TYPE = /^(application|text)\/(xml|[a-z0-9.+-]*\+xml)\s*(;|$)/i;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text: UTF-8 only (a UTF-8 byte order mark is allowed and dropped). */
export function decodeUtf8Body(body: Buffer): string {
  if (body.length >= 2 && ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe))) {
    throw new GatewayError('INTAKE_UNSUPPORTED_CHARSET', undefined, { details: { declared: 'UTF-16 byte order mark' } });
  }
  try {
    return UTF8.decode(body);
  } catch {
    throw new GatewayError('INTAKE_INVALID_ENCODING');
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Text(el: Element): string {
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  return text.replace(/[\t\n\r ]+/g, '');
}

/**
 * The body parts the archive decodes (nonXMLBody/text representation="B64" and hl7fi:json) must be
 * strict Base64: refused here with a code instead of accepted and rejected by the archive later.
 */
export function checkBodyEncoding(doc: Document): void {
  const body = child(child(doc.documentElement, NS.hl7, 'component'), NS.hl7, 'nonXMLBody');
  if (!body) return;
  const text = child(body, NS.hl7, 'text');
  if (text && attr(text, 'representation') === 'B64' && !BASE64.test(base64Text(text))) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'nonXMLBody/text is not valid Base64', { details: { field: 'nonXMLBody/text' } });
  }
  const json = child(body, NS.hl7fi, 'json');
  if (json && !BASE64.test(base64Text(json))) throw new GatewayError('INTAKE_INVALID_FIELD', 'hl7fi:json is not valid Base64', { details: { field: 'nonXMLBody/hl7fi:json' } });
}

export function readCdaXml(body: Buffer, requestedOperation?: string, limits: XmlLimits = DEFAULT_XML_LIMITS): ParsedDocument {
  if (body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
  const doc = parseXmlSafely(decodeUtf8Body(body), limits);
  const header = readDocumentMetadata(doc);
  checkBodyEncoding(doc);
  return {
    format: 'cda-xml',
    cda: body,
    header,
    ...(header.documentGroup === CLIENT_RELATIONSHIP_GROUP ? { clientRelationshipJson: readBodyJson(doc) } : {}),
    ...(requestedOperation !== undefined ? { requestedOperation } : {}),
  };
}
