// The exclusive canonical form (exc-c14n, as a same-document reference dereferences it: comments
// dropped) of one element, computed from the element's own text instead of a DOM of the whole
// document: the text between its offsets is parsed inside a wrapper that declares the namespaces in
// scope at its parent (xml-offsets.ts namespaceScopeAt), so every node resolves to the namespace it has
// in the document, and xml-crypto's ExclusiveCanonicalization renders it with the options xml-crypto's
// signer passes. Exclusive c14n renders only namespaces the element and its descendants use and
// imports no xml:* attributes from ancestors, so nothing outside the element can change the result.
// test/certs/kanta-signature-element.test.ts compares it with xml-crypto on the whole document.
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { findAncestorNsForElement } from 'xml-crypto/lib/utils.js';

const ESCAPE_ATTR: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;' };

function dropComments(node: Node): void {
  for (let n = node.firstChild; n; ) {
    const next = n.nextSibling;
    if (n.nodeType === 8) node.removeChild(n);
    else if (n.nodeType === 1) dropComments(n);
    n = next;
  }
}

/** The element written in xml[range.start, range.end), as a DOM element in its namespace context. */
export function parseElementAt(xml: string, range: { start: number; end: number }, scope: ReadonlyMap<string, string>): Element {
  let decls = '';
  for (const [prefix, uri] of scope) {
    if (prefix === 'xml') continue;
    decls += `${prefix ? ` xmlns:${prefix}` : ' xmlns'}="${uri.replace(/[&<"]/g, (c) => ESCAPE_ATTR[c] as string)}"`;
  }
  const problems: string[] = [];
  const report = (m: string) => problems.push(m);
  const doc = new DOMParser({ errorHandler: { warning: report, error: report, fatalError: report } }).parseFromString(
    `<kgw-element-context${decls}>${xml.slice(range.start, range.end)}</kgw-element-context>`,
    'text/xml',
  ) as unknown as Document;
  const el = doc?.documentElement?.firstChild as Element | null | undefined;
  if (problems.length > 0 || !el || el.nodeType !== 1 || el.nextSibling) throw new Error(`the element does not parse on its own: ${(problems[0] ?? 'not a single element').slice(0, 120)}`);
  return el;
}

/** exc-c14n of an element parsed by parseElementAt (comments dropped: a same-document reference). */
export function canonicalReferenceOf(el: Element): string {
  dropComments(el);
  return new ExclusiveCanonicalization()
    .process(el, { defaultNsForPrefix: SignedXml.defaultNsForPrefix, ancestorNamespaces: findAncestorNsForElement(el) } as Parameters<ExclusiveCanonicalization['process']>[1])
    .toString();
}

/** exc-c14n of the element at `range` of `xml`, as a `#id` reference to it is digested. */
export function canonicalElementAt(xml: string, range: { start: number; end: number }, scope: ReadonlyMap<string, string>): string {
  return canonicalReferenceOf(parseElementAt(xml, range, scope));
}
