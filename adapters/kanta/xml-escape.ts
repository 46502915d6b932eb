// Escaping for the string-built HL7 messages (the frame is never serialised from a DOM or a JS
// object: libs.md "soap" — re-serialisation would touch the signed bytes). Every attribute and text
// value goes through here.
import { GatewayError } from '../../domain/errors.ts';

// XML 1.0 §2.2: these code points cannot appear in a document at all, not even as character references.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function assertXmlChars(value: string, field: string): void {
  if (NOT_XML_CHAR.test(value)) {
    throw new GatewayError('INTAKE_INVALID_FIELD', `${field} contains a character XML cannot carry`, { details: { field } });
  }
}

/** Attribute value for use inside double quotes. Tab/CR/LF become references so attribute-value normalisation (XML §3.3.3) keeps them. */
export function escapeAttr(value: string, field: string): string {
  assertXmlChars(value, field);
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Element text content. CR becomes &#13; so a reader's line-end normalisation (XML §2.11) keeps CRLF. */
export function escapeText(value: string, field: string): string {
  assertXmlChars(value, field);
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}
