// Escaping for the CDA builder: every value a client system sent goes through one of these. Attribute
// values are always double-quoted; tab, CR and LF are written as character references so that
// attribute-value normalisation cannot change them, and CR in text survives end-of-line handling.
const TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR: Record<string, string> = { ...TEXT, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };

export function escapeText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) => TEXT[c]!);
}

export function escapeAttr(value: string): string {
  return value.replace(/[&<>"\r\n\t]/g, (c) => ATTR[c]!);
}

/** `name="value"` pairs in the given order; undefined values are left out. */
export function attrs(pairs: Array<[string, string | undefined]>): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
}

/** An empty element `<name a="…"/>`. */
export function empty(name: string, pairs: Array<[string, string | undefined]>): string {
  return `<${name}${attrs(pairs)}/>`;
}

/** An element with escaped text content. */
export function textElement(name: string, text: string, pairs: Array<[string, string | undefined]> = []): string {
  return `<${name}${attrs(pairs)}>${escapeText(text)}</${name}>`;
}
