// The CDA inside a tenant's frame (kanta-binding.md §2): the multipart/related text of
// clinicalDocument, the part whose Content-ID is the document id (or the only text/xml part), Base64
// decoded to the exact bytes the tenant sent. Nothing is re-serialised: those bytes are what intake
// stores and the gateway signs and sends on.
import { GatewayError } from '../../../domain/errors.ts';
import { parseMultipartRelated, type MimePart } from '../../kanta/mime.ts';

export function cdaFromMime(mimeText: string, documentId: string): { bytes: Buffer; contentId: string } {
  let parts: MimePart[];
  try {
    parts = parseMultipartRelated(mimeText);
  } catch (err) {
    const reason = (err as GatewayError).details?.reason;
    throw new GatewayError('NATIVE_MIME_INVALID', undefined, { details: { field: 'clinicalDocument/text', ...(typeof reason === 'string' ? { reason } : {}) } });
  }
  const xmlParts = parts.filter((p) => /^text\/xml\b/i.test(p.contentType));
  const part = xmlParts.find((p) => p.contentId === documentId) ?? (xmlParts.length === 1 ? xmlParts[0] : undefined);
  if (!part) throw new GatewayError('NATIVE_MIME_INVALID', 'No text/xml part whose Content-ID is the document id', { details: { field: 'clinicalDocument/text', reason: 'no CDA part' } });
  if (part.body.length === 0) throw new GatewayError('NATIVE_MIME_INVALID', 'The CDA part is empty', { details: { field: 'clinicalDocument/text', reason: 'empty part' } });
  return { bytes: part.body, contentId: part.contentId };
}
