// The professional a REST tenant names on submission (issue 13): the person performing the archive,
// version or void, carried into the frame's authorOrPerformer when the CDA has no author, or the
// operation is done by someone else than the document's author. Optional HTTP headers, all or none
// of a name: HTTP header values are Latin-1 by definition, so names are percent-encoded UTF-8
// (RFC 3986), e.g. `Kanta-Actor-Family: M%C3%A4kinen`.
//
//   Kanta-Actor-Id:        <root>^<extension>   1.2.246.537.26^<registration no.> or 1.2.246.21^<hetu>
//   Kanta-Actor-Family:    family name (percent-encoded)
//   Kanta-Actor-Given:     given names, comma-separated (each percent-encoded)
//   Kanta-Actor-Unit:      OID of the unit (or organisation) the person acts in
//   Kanta-Actor-Unit-Name: its name (percent-encoded)
//
// Pure: headers in, an ActingPerson or undefined out, a coded INTAKE_INVALID_FIELD for bad values.
// Never put a value into an error message: the id may be a hetu.
import { GatewayError } from '../../domain/errors.ts';
import type { ActingPerson } from '../../domain/document-header.ts';
import { OID_PATTERN } from '../../domain/values.ts';
import { isValidHetu } from './hetu.ts';

export const ACTING_PERSON_HEADERS = {
  id: 'kanta-actor-id',
  family: 'kanta-actor-family',
  given: 'kanta-actor-given',
  unit: 'kanta-actor-unit',
  unitName: 'kanta-actor-unit-name',
} as const;

const HETU_ROOT = '1.2.246.21';
const MAX_TEXT = 200; // one name part or unit name; the frame is no place for free text
const EXTENSION = /^[A-Za-z0-9+\-._]{1,64}$/;

export type HeaderBag = Record<string, string | string[] | undefined>;

function invalid(header: string, why: string): never {
  throw new GatewayError('INTAKE_INVALID_FIELD', `Header ${header} ${why}`, { details: { field: header } });
}

function single(headers: HeaderBag, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length !== 1) invalid(name, 'must be given once');
    return (v[0] as string).trim();
  }
  return v.trim();
}

function decoded(header: string, raw: string): string {
  let v: string;
  try {
    v = decodeURIComponent(raw).trim();
  } catch {
    invalid(header, 'is not valid percent-encoded UTF-8');
  }
  if (v === '') invalid(header, 'is empty');
  if (v.length > MAX_TEXT) invalid(header, `is longer than ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f<>&"]/.test(v)) invalid(header, 'contains control or markup characters');
  return v;
}

/** Reads the acting-person headers; undefined when none is given. */
export function parseActingPersonHeaders(headers: HeaderBag): ActingPerson | undefined {
  const h = ACTING_PERSON_HEADERS;
  const raw = { id: single(headers, h.id), family: single(headers, h.family), given: single(headers, h.given), unit: single(headers, h.unit), unitName: single(headers, h.unitName) };
  if (Object.values(raw).every((v) => v === undefined || v === '')) return undefined;
  const out: ActingPerson = {};
  if (raw.id) {
    const [root, extension, ...rest] = raw.id.split('^');
    if (rest.length || !root || !OID_PATTERN.test(root) || !extension || !EXTENSION.test(extension)) invalid(h.id, 'must be <OID>^<extension>');
    if (root === HETU_ROOT && !isValidHetu(extension)) invalid(h.id, 'names a personal identity code that is not valid');
    out.id = { root, extension };
  }
  if (raw.family || raw.given) {
    if (!raw.family || !raw.given) invalid(raw.family ? h.given : h.family, 'is needed with the other name header');
    out.name = { family: [decoded(h.family, raw.family)], given: raw.given.split(',').map((g) => ({ value: decoded(h.given, g) })) };
  }
  if (raw.unit) {
    if (!OID_PATTERN.test(raw.unit)) invalid(h.unit, 'must be an OID');
    out.unit = raw.unit;
  }
  if (raw.unitName) {
    if (!out.unit) invalid(h.unitName, 'needs Kanta-Actor-Unit');
    out.unitName = decoded(h.unitName, raw.unitName);
  }
  if (!out.id && !out.name) invalid(h.id, 'or the name headers are needed to name the acting person');
  return out;
}
