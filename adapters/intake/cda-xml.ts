// Intake format "CDA XML": a bare CDA R2 document, as POST /v1/documents takes it. Translation only —
// parse safely (no DTD, no entities), read the header; no routing or rights rule lives here.
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { readBodyJson, readDocumentMetadata } from '../cda/read-metadata.ts';
import { parseXmlSafely } from '../xml/safe-parse.ts';

export const CDA_XML_MEDIA_TYPE = /^(application|text)\/(xml|[a-z0-9.+-]*\+xml)\s*(;|$)/i;

export function readCdaXml(body: Buffer, requestedOperation?: string): ParsedDocument {
  if (body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
  const doc = parseXmlSafely(body.toString('utf8'));
  const header = readDocumentMetadata(doc);
  return {
    format: 'cda-xml',
    cda: body,
    header,
    ...(header.documentGroup === CLIENT_RELATIONSHIP_GROUP ? { clientRelationshipJson: readBodyJson(doc) } : {}),
    ...(requestedOperation !== undefined ? { requestedOperation } : {}),
  };
}
