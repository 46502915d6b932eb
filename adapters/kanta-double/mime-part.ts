// Extracts the CDA from the multipart/related text of a frame (kanta-binding.md §2): the first
// text/xml part, its Content-ID and its Base64 body decoded to the exact bytes that were signed.
import { refuse } from './detail-codes.ts';

export interface MimeDocument {
  contentId: string;
  bytes: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function headersOf(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/related\s*;/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function readMimeDocument(text: string): MimeDocument {
  const where = '/*/controlActProcess/subject/clinicalDocument/text';
  const normalised = text.replace(/^\s+/, '');
  const split = /\r?\n\r?\n/.exec(normalised);
  if (!split) refuse('MIME_MISSING', where);
  const top = headersOf(normalised.slice(0, split.index));
  const boundary = boundaryOf(top.get('content-type'));
  if (!boundary) refuse('MIME_MISSING', where);
  const parts = normalised.slice(split.index + split[0].length).split(`--${boundary}`);
  // parts[0] is the preamble; the last piece starts with "--" (the close delimiter).
  const bodies = parts.slice(1).filter((p) => !p.startsWith('--'));
  for (const raw of bodies) {
    const part = raw.replace(/^\r?\n/, '');
    const sep = /\r?\n\r?\n/.exec(part);
    if (!sep) continue;
    const headers = headersOf(part.slice(0, sep.index));
    if (!/^text\/xml\b/i.test(headers.get('content-type') ?? '')) continue;
    if ((headers.get('content-transfer-encoding') ?? '').toLowerCase() !== 'base64') refuse('MIME_BASE64', `${where} Content-Transfer-Encoding`);
    const contentId = (headers.get('content-id') ?? '').replace(/^<(.*)>$/, '$1');
    const b64 = part.slice(sep.index + sep[0].length).replace(/\s+/g, '');
    if (b64 === '' || b64.length % 4 !== 0 || !BASE64.test(b64)) refuse('MIME_BASE64', where);
    return { contentId, bytes: Buffer.from(b64, 'base64') };
  }
  return refuse('MIME_MISSING', where);
}
