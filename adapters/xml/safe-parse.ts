// Parses untrusted XML into a DOM without DTDs or entities. A DOCTYPE is refused before parsing
// (no entity expansion, no external fetches, no billion-laughs); xmldom warnings and errors throw
// instead of yielding a half-built tree. xmldom 0.8 is the version xml-crypto itself uses, so the
// same parser reads what the signer and verifier see. Before any of that, one linear pass checks the
// characters, the declared encoding and the structural limits (xml-limits.ts).
import { DOMParser } from '@xmldom/xmldom';
import { GatewayError } from '../../domain/errors.ts';
import { checkDeclaredEncoding, checkXmlCharacters, checkXmlStructure, DEFAULT_XML_LIMITS, type XmlLimits } from './xml-limits.ts';

export const NS = {
  hl7: 'urn:hl7-org:v3',
  hl7fi: 'urn:hl7finland',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

const DTD_PATTERN = /<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i;

export function parseXmlSafely(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Document {
  if (text.trim() === '') throw new GatewayError('INTAKE_EMPTY_BODY');
  if (DTD_PATTERN.test(text)) throw new GatewayError('INTAKE_DTD_FORBIDDEN');
  checkXmlCharacters(text);
  checkDeclaredEncoding(text);
  checkXmlStructure(text, limits);
  const problems: string[] = [];
  const parser = new DOMParser({
    locator: {},
    errorHandler: {
      warning: (msg: string) => problems.push(msg),
      error: (msg: string) => problems.push(msg),
      fatalError: (msg: string) => problems.push(msg),
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, 'application/xml') as unknown as Document;
  } catch (err) {
    throw new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason: String((err as Error).message).slice(0, 200) } });
  }
  if (problems.length > 0 || !doc || !doc.documentElement) {
    throw new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason: (problems[0] ?? 'no root element').slice(0, 200) } });
  }
  checkPrefixesDeclared(doc.documentElement);
  return doc;
}

/** xmldom keeps an element or attribute whose prefix no xmlns declares; namespaces make it unreadable. Iterative: no recursion on input depth. */
function checkPrefixesDeclared(root: Element): void {
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    let bad = Boolean(el.prefix && !el.namespaceURI);
    for (let k = 0; !bad && k < el.attributes.length; k++) {
      const a = el.attributes.item(k)!;
      bad = Boolean(a.prefix && a.prefix !== 'xmlns' && a.prefix !== 'xml' && !a.namespaceURI);
    }
    if (bad) throw new GatewayError('INTAKE_MALFORMED_XML', undefined, { details: { reason: `undeclared namespace prefix on <${el.tagName.slice(0, 60)}>` } });
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push(c as Element);
  }
}

/** Direct element children with the given namespace and local name. */
export function children(parent: Element | null | undefined, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  if (!parent) return out;
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === localName) out.push(n as Element);
  }
  return out;
}

export function child(parent: Element | null | undefined, ns: string, localName: string): Element | undefined {
  return children(parent, ns, localName)[0];
}

/** Follows a path of urn:hl7-org:v3 (or given-namespace) child names; steps may be "hl7fi:name". */
export function walk(start: Element | null | undefined, ...steps: string[]): Element | undefined {
  let node: Element | undefined = start ?? undefined;
  for (const step of steps) {
    if (!node) return undefined;
    const [ns, name] = step.startsWith('hl7fi:') ? [NS.hl7fi, step.slice(6)] : [NS.hl7, step];
    node = child(node, ns, name);
  }
  return node;
}

export function attr(el: Element | null | undefined, name: string): string | undefined {
  if (!el || !el.hasAttribute(name)) return undefined;
  return el.getAttribute(name) ?? undefined;
}

export function textOf(el: Element | null | undefined): string | undefined {
  if (!el) return undefined;
  return (el.textContent ?? '').trim();
}
