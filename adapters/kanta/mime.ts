// The multipart/related payload of clinicalDocument/text (kanta-binding.md §2, PTA convention S6):
// one part per document, Base64 of the exact signed bytes in 76-character lines, CRLF line ends.
// The reader is tolerant (LF or CRLF, header case, angle brackets around Content-ID) because the
// same convention comes back in query answers.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../domain/errors.ts';

const CRLF = '\r\n';
const LINE = 76; // RFC 2045 §6.8 maximum encoded line length

export interface MimePart {
  contentId: string;
  contentType: string;
  body: Buffer;
}

export function newBoundary(): string {
  // Base64 never contains '-' or '_' so a boundary line cannot occur inside an encoded part.
  return `----=_KantaPart_${randomBytes(12).toString('hex')}`;
}

function base64Lines(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += LINE) lines.push(b64.slice(i, i + LINE));
  return lines.join(CRLF);
}

/** The MIME text carried in `<text mediaType="multipart/related">`; not yet XML-escaped. */
export function buildMultipartRelated(contentId: string, bytes: Buffer, boundary: string = newBoundary()): string {
  if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) throw new RangeError('MIME boundary must be 1-70 RFC 2046 characters');
  if (/[\r\n<>]/.test(contentId)) throw new GatewayError('INTAKE_INVALID_FIELD', 'Content-ID contains a line break or angle bracket', { details: { field: 'documentId' } });
  return [
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${boundary}"; type="text/xml"`,
    '',
    `--${boundary}`,
    'Content-Type: text/xml; charset=UTF-8',
    'Content-Transfer-Encoding: BASE64',
    `Content-ID: <${contentId}>`,
    '',
    base64Lines(bytes),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

function bad(reason: string): GatewayError {
  return new GatewayError('KANTA_BAD_RESPONSE', `MIME payload unreadable: ${reason}`, { details: { reason } });
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // RFC 5322 folding: a line starting with white space continues the previous header.
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad('header line without a colon');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses the MIME text (top-level headers, then parts) into decoded parts. */
export function parseMultipartRelated(text: string): MimePart[] {
  const normalised = text.replace(/^\s+/, '');
  const headerEnd = /\r?\n\r?\n/.exec(normalised);
  if (!headerEnd) throw bad('no top-level header block');
  const top = parseHeaders(normalised.slice(0, headerEnd.index));
  const boundary = boundaryOf(top.get('content-type'));
  if (!boundary) throw bad('no boundary parameter');
  const rest = normalised.slice(headerEnd.index + headerEnd[0].length);
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const segments = rest.split(new RegExp(`(?:^|\\r?\\n)--${escaped}`));
  // segments[0] = preamble; the segment after the closing delimiter starts with "--".
  const parts: MimePart[] = [];
  let closed = false;
  for (const segment of segments.slice(1)) {
    if (segment.startsWith('--')) {
      closed = true;
      break;
    }
    const body = segment.replace(/^[ \t]*\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(body);
    const headers = parseHeaders(split ? body.slice(0, split.index) : body);
    const content = split ? body.slice(split.index + split[0].length) : '';
    const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
    let bytes: Buffer;
    if (encoding === 'base64') {
      const compact = content.replace(/\s+/g, '');
      if (!STRICT_BASE64.test(compact) || compact.length % 4 !== 0) throw bad('part is not valid Base64');
      bytes = Buffer.from(compact, 'base64');
    } else if (encoding === '7bit' || encoding === '8bit' || encoding === 'binary') {
      bytes = Buffer.from(content, 'utf8');
    } else {
      throw bad(`unsupported Content-Transfer-Encoding ${encoding.slice(0, 20)}`);
    }
    const rawId = headers.get('content-id') ?? '';
    parts.push({
      contentId: rawId.replace(/^<(.*)>$/, '$1'),
      contentType: headers.get('content-type') ?? 'text/plain',
      body: bytes,
    });
  }
  if (!closed) throw bad('closing delimiter missing');
  if (parts.length === 0) throw bad('no parts');
  return parts;
}
