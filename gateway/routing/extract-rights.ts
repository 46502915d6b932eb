// Registry-use rights as the organizer records them on the client's asiakkuusasiakirja (kanta.md §4,
// seed 004 §3.3): per service task, the provider unit and its client-relationship start and end dates.
// JSON shape (as adapters/cda/sample-document.ts generates it, conventions of the public samples):
//   asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[].palvelutehtava.code
//   asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[].palveluntuottaja[] =
//     { palveluyksikon_nimi: { code: <unit OID> }, asiakkuuden_alkamispvm, asiakkuuden_paattymispvm? }
// The end-date key is an assumption (kanta.md §4). Pure; a malformed shape is a coded error, never a
// silently empty right set, because an empty set would close every provider's right.
import { GatewayError } from '../../domain/errors.ts';
import { finnishDate, isCalendarDate } from './finnish-date.ts';
import type { RightEntriesByTask, RightPeriod } from './types.ts';
import { OID_PATTERN } from '../../domain/values.ts';

const TASK = /^\d+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function bad(path: string, reason: string): GatewayError {
  return new GatewayError('INTAKE_INVALID_FIELD', `asiakkuusasiakirja JSON: ${path}: ${reason}`, { ruleId: 'R-RIGHT-EXTRACT', details: { path, reason } });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A date field: YYYY-MM-DD as is, or a date-time with zone read as its Finnish calendar date. */
function dateField(value: unknown, path: string): string {
  if (typeof value !== 'string') throw bad(path, 'must be a date string');
  if (isCalendarDate(value)) return value;
  if (DATE_TIME.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return finnishDate(at);
  }
  throw bad(path, 'must be a date YYYY-MM-DD');
}

function codeOf(value: unknown, path: string, pattern: RegExp, what: string): string {
  if (!isObject(value)) throw bad(path, `must be a coded value {system, code}`);
  const code = value.code;
  if (typeof code !== 'string' || !pattern.test(code)) throw bad(`${path}.code`, `must be ${what}`);
  return code;
}

/** Accepts the parsed JSON body, or its text. */
export function extractRightsFromClientRelationship(json: unknown): RightEntriesByTask {
  let body = json;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      throw bad('(root)', 'is not JSON');
    }
  }
  if (!isObject(body) || !isObject(body.asiakkuusasiakirja)) throw bad('asiakkuusasiakirja', 'missing: not a client-relationship document body');
  const tasks = body.asiakkuusasiakirja.sosiaalihuollon_palvelutehtava;
  const out: Record<string, RightPeriod[]> = {};
  if (tasks === undefined) return out;
  if (!Array.isArray(tasks)) throw bad('asiakkuusasiakirja.sosiaalihuollon_palvelutehtava', 'must be an array');
  tasks.forEach((t: unknown, i) => {
    const at = `asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[${i}]`;
    if (!isObject(t)) throw bad(at, 'must be an object');
    const task = codeOf(t.palvelutehtava, `${at}.palvelutehtava`, TASK, 'a numeric service task code');
    const providers = t.palveluntuottaja;
    if (providers === undefined) return;
    if (!Array.isArray(providers)) throw bad(`${at}.palveluntuottaja`, 'must be an array');
    const list = (out[task] ??= []);
    providers.forEach((p: unknown, j) => {
      const pat = `${at}.palveluntuottaja[${j}]`;
      if (!isObject(p)) throw bad(pat, 'must be an object');
      const unit = codeOf(p.palveluyksikon_nimi, `${pat}.palveluyksikon_nimi`, OID_PATTERN, 'a service unit OID');
      const start = dateField(p.asiakkuuden_alkamispvm, `${pat}.asiakkuuden_alkamispvm`);
      const rawEnd = p.asiakkuuden_paattymispvm;
      const end = rawEnd === undefined || rawEnd === null ? undefined : dateField(rawEnd, `${pat}.asiakkuuden_paattymispvm`);
      if (end !== undefined && end < start) throw bad(`${pat}.asiakkuuden_paattymispvm`, 'is before asiakkuuden_alkamispvm');
      list.push(end === undefined ? { unit, start } : { unit, start, end });
    });
  });
  return out;
}

/** Validates entries given through the API (same rules as the document form). */
export function validateRightEntries(raw: unknown): RightEntriesByTask {
  if (!isObject(raw)) throw new GatewayError('REQUEST_INVALID', 'entries must be an object keyed by service task code', { details: { path: 'entries' } });
  const out: Record<string, RightPeriod[]> = {};
  for (const [task, list] of Object.entries(raw)) {
    const path = `entries.${task}`;
    const invalid = (reason: string, at = path) => new GatewayError('REQUEST_INVALID', `${at}: ${reason}`, { details: { path: at, reason } });
    if (!TASK.test(task)) throw invalid('service task code must be numeric');
    if (!Array.isArray(list)) throw invalid('must be an array of {unit, start, end?}');
    out[task] = list.map((p: unknown, i) => {
      const at = `${path}[${i}]`;
      if (!isObject(p)) throw invalid('must be an object', at);
      const extra = Object.keys(p).filter((k) => k !== 'unit' && k !== 'start' && k !== 'end');
      if (extra.length) throw invalid(`unknown field ${extra[0]}`, at);
      if (typeof p.unit !== 'string' || !OID_PATTERN.test(p.unit)) throw invalid('unit must be a service unit OID', `${at}.unit`);
      if (typeof p.start !== 'string' || !isCalendarDate(p.start)) throw invalid('start must be a date YYYY-MM-DD', `${at}.start`);
      if (p.end === undefined || p.end === null) return { unit: p.unit, start: p.start };
      if (typeof p.end !== 'string' || !isCalendarDate(p.end)) throw invalid('end must be a date YYYY-MM-DD', `${at}.end`);
      if (p.end < p.start) throw invalid('end is before start', `${at}.end`);
      return { unit: p.unit, start: p.start, end: p.end };
    });
  }
  return out;
}
