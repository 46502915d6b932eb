// Intake format "CDA XML": a bare CDA R2 document, as POST /v1/documents takes it. Translation only —
// decode strictly as UTF-8 (the one encoding accepted: a UTF-16 byte order mark or invalid UTF-8 is
// refused, never guessed), parse safely (no DTD, no entities, bounded structure), read the header; no
// routing or rights rule lives here.
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { readBodyJson, readDocumentMetadata } from '../cda/read-metadata.ts';
import { parseXmlSafely } from '../xml/safe-parse.ts';
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

export function readCdaXml(body: Buffer, requestedOperation?: string, limits: XmlLimits = DEFAULT_XML_LIMITS): ParsedDocument {
  if (body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
  const doc = parseXmlSafely(decodeUtf8Body(body), limits);
  const header = readDocumentMetadata(doc);
  return {
    format: 'cda-xml',
    cda: body,
    header,
    ...(header.documentGroup === CLIENT_RELATIONSHIP_GROUP ? { clientRelationshipJson: readBodyJson(doc) } : {}),
    ...(requestedOperation !== undefined ? { requestedOperation } : {}),
  };
}
