// Reads the "Hae asiakkuus" answer (kanta-binding.md §5): the ack says found (AA) or not (AE NOT_FOUND
// / QUERY_FORBIDDEN); when found, the latest asiakkuusasiakirja comes back in the same MIME convention
// as the archive request, and is returned as the exact bytes Kanta holds.
import { XMLSerializer } from '@xmldom/xmldom';
import { GatewayError } from '../../domain/errors.ts';
import type { InstanceId } from '../../domain/document-header.ts';
import { NS, attr, children, walk, textOf } from '../xml/safe-parse.ts';
import { parseAck } from './ack-parser.ts';
import type { ParsedAck } from './ack-parser.ts';
import { parseMultipartRelated } from './mime.ts';

export interface ClientRelationshipAnswer {
  found: boolean;
  /** The asking unit may not see this client relationship. */
  forbidden?: boolean;
  /** The signed asiakkuusasiakirja bytes, decoded from the MIME part. */
  cda?: Buffer;
  /** clinicalDocument/id/@root of the returned document. */
  documentId?: string;
  /**
   * The answer's controlActProcess as the archive sent it (serialised, CR kept as &#13;), when found:
   * the query relay hands it on to a Kanta-native tenant unchanged.
   */
  controlActProcessXml?: string;
  /** The id of the query message this answers (set by KantaClient: the gateway's own message id). */
  queryMessageId?: InstanceId;
  ack: ParsedAck;
}

const NOT_FOUND = 'NOT_FOUND';
const FORBIDDEN = 'QUERY_FORBIDDEN';

function bad(reason: string): GatewayError {
  return new GatewayError('KANTA_BAD_RESPONSE', `Kanta's query answer is unreadable: ${reason}`, { details: { reason } });
}

export function parseClientRelationshipAnswer(element: Element): ClientRelationshipAnswer {
  const ack = parseAck(element);
  const codes = ack.details.map((d) => d.code).filter((c): c is string => c !== undefined);
  if (ack.typeCode !== 'AA') {
    if (codes.includes(FORBIDDEN)) return { found: false, forbidden: true, ack };
    if (codes.includes(NOT_FOUND)) return { found: false, ack };
    throw new GatewayError(ack.typeCode === 'AR' ? 'KANTA_REJECTED' : 'KANTA_APPLICATION_ERROR', 'Kanta refused the client-relationship query', {
      details: { ackTypeCode: ack.typeCode, detailCodes: codes },
    });
  }
  const docs = children(walk(element, 'controlActProcess'), NS.hl7, 'subject')
    .map((s) => walk(s, 'clinicalDocument'))
    .filter((d): d is Element => d !== undefined);
  if (docs.length !== 1) throw bad(docs.length === 0 ? 'AA without a clinicalDocument' : 'several clinicalDocuments');
  const doc = docs[0]!;
  const documentId = attr(walk(doc, 'id'), 'root');
  const text = walk(doc, 'text');
  if (!text || attr(text, 'mediaType') !== 'multipart/related') throw bad('clinicalDocument/text is not multipart/related');
  const parts = parseMultipartRelated(textOf(text) ?? '');
  // The part named by the document id; a single part is taken as it is.
  const part = parts.find((p) => documentId !== undefined && p.contentId === documentId) ?? (parts.length === 1 ? parts[0] : undefined);
  if (!part) throw bad('no MIME part carries the document id');
  if (!/^text\/xml\b/i.test(part.contentType)) throw bad('the document part is not text/xml');
  // A literal CR would come back as LF through any XML reader (XML §2.11); the MIME text needs its CRLFs.
  const controlActProcessXml = new XMLSerializer().serializeToString(walk(element, 'controlActProcess') as unknown as Node).replace(/\r/g, '&#13;');
  return { found: true, cda: part.body, ...(documentId ? { documentId } : {}), controlActProcessXml, ack };
}
