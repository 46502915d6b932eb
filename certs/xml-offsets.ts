// A single-pass scanner that reports where each element starts and ends in the original text, with
// resolved namespaces. The signer needs byte offsets to splice its signature into the tenant's text:
// a DOM round trip would re-serialise everything (attribute quotes, empty tags, entities) and the
// body bytes must stay exactly as sent (kanta.md §3). It refuses DTDs like adapters/xml/safe-parse.ts.
import { GatewayError } from '../domain/errors.ts';

export interface ScannedElement {
  /** Qualified name as written, e.g. "ep2:localSocialHeader". */
  qname: string;
  localName: string;
  namespace: string | null;
  /** Offset of '<' of the start tag. */
  start: number;
  /** Offset just after the start tag's '>'. */
  startTagEnd: number;
  /** Offset of '<' of the end tag (equals startTagEnd for an empty element written `<a/>`). */
  endTagStart: number;
  /** Offset just after the end tag (or after `/>`). */
  end: number;
  selfClosing: boolean;
  parent: number;
  /** Attribute values by qualified name, entity references decoded. */
  attributes: Record<string, string>;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** What can end a start tag, or open a quoted value in which '>' does not end it. */
const TAG_END = /[>"']/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, named: string | undefined) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(parseInt(dec, 10)) : NAMED[named as string] as string,
  );
}

function malformed(reason: string, at: number): GatewayError {
  return new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason, offset: at } });
}

function skipTo(text: string, from: number, token: string, what: string): number {
  const at = text.indexOf(token, from);
  if (at < 0) throw malformed(`unterminated ${what}`, from);
  return at + token.length;
}

/** Elements in document order; index 0 is the root. */
export function scanElements(text: string): ScannedElement[] {
  const elements: ScannedElement[] = [];
  const stack: number[] = [];
  const scopes: Array<Map<string, string>> = [new Map([['xml', XML_NS]])];
  let i = 0;
  let rootClosed = false;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (stack.length === 0 && (lt < 0 ? text.slice(i) : text.slice(i, lt)).trim() !== '') throw malformed('text outside the root element', i);
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      i = skipTo(text, i + 4, '-->', 'comment');
    } else if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw malformed('CDATA outside the root element', i);
      i = skipTo(text, i + 9, ']]>', 'CDATA section');
    } else if (text.startsWith('<?', i)) {
      i = skipTo(text, i + 2, '?>', 'processing instruction');
    } else if (text.startsWith('<!', i)) {
      throw new GatewayError('INTAKE_DTD_FORBIDDEN');
    } else if (text.startsWith('</', i)) {
      const close = skipTo(text, i + 2, '>', 'end tag');
      const name = text.slice(i + 2, close - 1).trim();
      const open = stack.pop();
      if (open === undefined) throw malformed(`unexpected end tag ${name}`, i);
      const el = elements[open] as ScannedElement;
      if (el.qname !== name) throw malformed(`end tag ${name} does not close ${el.qname}`, i);
      el.endTagStart = i;
      el.end = close;
      scopes.pop();
      if (stack.length === 0) rootClosed = true;
      i = close;
    } else {
      if (rootClosed) throw malformed('a second root element', i);
      // Find the '>' that ends the tag, stepping over quoted attribute values that may contain '>'.
      let j = -1;
      TAG_END.lastIndex = i + 1;
      for (let m = TAG_END.exec(text); m; m = TAG_END.exec(text)) {
        if (m[0] === '>') {
          j = m.index;
          break;
        }
        const close = text.indexOf(m[0], m.index + 1);
        if (close < 0) break;
        TAG_END.lastIndex = close + 1;
      }
      if (j < 0) throw malformed('unterminated start tag', i);
      const selfClosing = text[j - 1] === '/';
      const inner = text.slice(i + 1, selfClosing ? j - 1 : j);
      const nameMatch = /^[^\s/>]+/.exec(inner);
      if (!nameMatch) throw malformed('start tag without a name', i);
      const qname = nameMatch[0];
      const attributes: Record<string, string> = {};
      const inherited = scopes[scopes.length - 1] as Map<string, string>;
      // Copied only when the element declares a namespace: most elements share their parent's scope.
      let scope = inherited;
      for (const m of inner.slice(qname.length).matchAll(ATTRIBUTE)) {
        const name = m[1] as string;
        if (Object.hasOwn(attributes, name)) throw malformed(`duplicate attribute ${name}`, i);
        const value = decode(m[2] ?? m[3] ?? '');
        attributes[name] = value;
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (scope === inherited) scope = new Map(inherited);
          scope.set(name === 'xmlns' ? '' : name.slice(6), value);
        }
      }
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const namespace = scope.get(prefix);
      if (prefix && namespace === undefined) throw malformed(`undeclared prefix ${prefix}`, i);
      const index = elements.length;
      elements.push({
        qname,
        localName: colon < 0 ? qname : qname.slice(colon + 1),
        namespace: namespace === undefined || namespace === '' ? null : namespace,
        start: i,
        startTagEnd: j + 1,
        endTagStart: j + 1,
        end: j + 1,
        selfClosing,
        parent: stack.length ? (stack[stack.length - 1] as number) : -1,
        attributes,
      });
      if (selfClosing) {
        if (stack.length === 0) rootClosed = true;
      } else {
        stack.push(index);
        scopes.push(scope);
      }
      i = j + 1;
    }
  }
  if (stack.length > 0) throw malformed(`element ${(elements[stack[stack.length - 1] as number] as ScannedElement).qname} is not closed`, text.length);
  if (elements.length === 0) throw malformed('no root element', 0);
  return elements;
}

/** Direct children of element `parent` with the given namespace and local name. */
export function scannedChildren(elements: readonly ScannedElement[], parent: number, namespace: string, localName: string): number[] {
  const out: number[] = [];
  for (let k = parent + 1; k < elements.length; k++) {
    const el = elements[k] as ScannedElement;
    if (el.start >= (elements[parent] as ScannedElement).end) break;
    if (el.parent === parent && el.namespace === namespace && el.localName === localName) out.push(k);
  }
  return out;
}

/** The value of an attribute whose local name is `localName`, in any namespace (as xml-crypto matches IDs). */
export function attributeByLocalName(el: ScannedElement, localName: string): string | undefined {
  for (const [name, value] of Object.entries(el.attributes)) {
    const colon = name.indexOf(':');
    if ((colon < 0 ? name : name.slice(colon + 1)) === localName && !name.startsWith('xmlns')) return value;
  }
  return undefined;
}

/** Namespace declarations in scope at element `at` (prefix, '' for the default → URI; the nearest declaration wins). */
export function namespaceScopeAt(elements: readonly ScannedElement[], at: number): Map<string, string> {
  const scope = new Map<string, string>();
  for (let k = at; k >= 0; k = (elements[k] as ScannedElement).parent) {
    for (const [name, value] of Object.entries((elements[k] as ScannedElement).attributes)) {
      const prefix = name === 'xmlns' ? '' : name.startsWith('xmlns:') ? name.slice(6) : undefined;
      if (prefix !== undefined && !scope.has(prefix)) scope.set(prefix, value);
    }
  }
  return scope;
}
