// Structural limits on untrusted XML text, checked in one linear pass *before* a DOM is built: xmldom
// would happily build a tree 100 000 levels deep (and the signer, which recurses, then overflows its
// stack after the tenant was told "accepted") or an element with 200 000 attributes (seconds of CPU on
// the event loop). The pass also refuses what XML 1.0 forbids outright (§2.2 Char: NUL and the other C0
// controls but tab/LF/CR, U+FFFE/U+FFFF, unpaired surrogates — also as character references) and any
// declared encoding other than UTF-8: bodies are read as UTF-8 only, never guessed or transcoded.
import { GatewayError } from '../../domain/errors.ts';

export interface XmlLimits {
  maxDepth: number;
  maxAttributesPerElement: number;
  maxAttributes: number;
  maxElements: number;
}

/** The defaults of config/schema.ts (gateway.xml); also used where XML comes from Kanta or the double. */
export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({ maxDepth: 64, maxAttributesPerElement: 64, maxAttributes: 100_000, maxElements: 100_000 });

// With the u flag a surrogate in the class matches only when it is unpaired.
const ILLEGAL_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const CHAR_REF = /&#(x[0-9a-fA-F]+|[0-9]+);/g;
const XML_DECLARATION = /^\uFEFF?<\?xml\s[^?]*?encoding\s*=\s*(["'])([^"']*)\1/;

function legalCodePoint(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Refuses characters XML 1.0 does not allow, written directly or as character references. */
export function checkXmlCharacters(text: string): void {
  const raw = ILLEGAL_CHAR.exec(text);
  if (raw) throw new GatewayError('INTAKE_ILLEGAL_CHARACTER', undefined, { details: { offset: raw.index } });
  for (const m of text.matchAll(CHAR_REF)) {
    const ref = m[1]!;
    const cp = ref.startsWith('x') ? Number.parseInt(ref.slice(1), 16) : Number.parseInt(ref, 10);
    if (!legalCodePoint(cp)) throw new GatewayError('INTAKE_ILLEGAL_CHARACTER', 'A character reference names a character XML 1.0 does not allow', { details: { offset: m.index } });
  }
}

/** The XML declaration may name UTF-8 (any spelling) or nothing; the body was decoded as UTF-8. */
export function checkDeclaredEncoding(text: string): void {
  const m = XML_DECLARATION.exec(text.slice(0, 200));
  if (m && !/^utf-?8$/i.test(m[2]!)) throw new GatewayError('INTAKE_UNSUPPORTED_CHARSET', undefined, { details: { declared: m[2]!.slice(0, 40) } });
}

// Without a DTD only the five predefined entities exist; anything else after '&' is not well-formed
// (xmldom would keep a bare '&' as text and let the archive refuse the document later).
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;

/** Checks each '&' in [from, to); `cursor` remembers the next '&' so the whole pass stays linear. */
function checkReferences(text: string, cursor: { next: number }, from: number, to: number): void {
  while (cursor.next >= 0 && cursor.next < to) {
    const k = cursor.next;
    if (k >= from) {
      REFERENCE.lastIndex = k;
      if (!REFERENCE.test(text)) throw new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason: 'an "&" that starts no character or predefined entity reference', offset: k } });
    }
    cursor.next = text.indexOf('&', k + 1);
  }
}

const NAME_END = /[\s/>]/;

function tagName(text: string, from: number): string {
  let j = from;
  while (j < text.length && !NAME_END.test(text[j]!)) j++;
  return text.slice(from, j);
}

/**
 * Counts nesting depth, elements and attributes without building anything, and checks what xmldom
 * forgives: end tags must match their start tags, '&' must start a reference. Markup it cannot follow
 * (an unclosed comment, a tag without '>') ends the pass: the parser then reports it as malformed.
 */
export function checkXmlStructure(text: string, limits: XmlLimits): void {
  const n = text.length;
  let i = 0;
  let depth = 0;
  let elements = 0;
  let attributes = 0;
  const open: string[] = [];
  const amp = { next: text.indexOf('&') };
  while (i < n) {
    const lt = text.indexOf('<', i);
    checkReferences(text, amp, i, lt < 0 ? n : lt);
    if (lt < 0) return;
    const next = text.charCodeAt(lt + 1);
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) return;
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) return;
      i = end + 3;
      continue;
    }
    if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) return;
      i = end + 2;
      continue;
    }
    if (next === 0x21 /* ! */) {
      const end = text.indexOf('>', lt + 2);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (next === 0x2f /* / */) {
      depth = Math.max(0, depth - 1);
      const end = text.indexOf('>', lt + 2);
      if (end < 0) return;
      const name = tagName(text, lt + 2);
      const expected = open.pop();
      if (name !== expected) throw new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason: `end tag </${name.slice(0, 40)}> does not close <${(expected ?? '').slice(0, 40)}>`, offset: lt } });
      i = end + 1;
      continue;
    }
    // A start tag: attributes are the '=' outside quoted values; '>' inside a value does not end it.
    let j = lt + 1;
    let quote = 0;
    let own = 0;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3d /* = */) {
        own++;
        if (own > limits.maxAttributesPerElement) {
          throw new GatewayError('INTAKE_XML_TOO_MANY_ATTRIBUTES', undefined, { details: { limit: limits.maxAttributesPerElement, scope: 'element' } });
        }
      } else if (c === 0x3e /* > */) break;
    }
    if (j >= n) return;
    checkReferences(text, amp, lt, j);
    elements++;
    attributes += own;
    if (elements > limits.maxElements) throw new GatewayError('INTAKE_XML_TOO_MANY_ELEMENTS', undefined, { details: { limit: limits.maxElements } });
    if (attributes > limits.maxAttributes) throw new GatewayError('INTAKE_XML_TOO_MANY_ATTRIBUTES', undefined, { details: { limit: limits.maxAttributes, scope: 'document' } });
    if (text.charCodeAt(j - 1) !== 0x2f /* self-closing */) {
      open.push(tagName(text, lt + 1));
      depth++;
      if (depth > limits.maxDepth) throw new GatewayError('INTAKE_XML_TOO_DEEP', undefined, { details: { limit: limits.maxDepth } });
    }
    i = j + 1;
  }
}
