// Reads the embedded CDA R2 document and applies the archive's document checks (kanta.md check 5).
// An independent reading of kanta.md §2; it shares nothing with the gateway's CDA header reader.
import { isTestHetu, isValidHetu } from '../cda/hetu.ts';
import { NS, attr, child, children, parseXmlSafely, walk } from '../xml/safe-parse.ts';
import { refuse } from './detail-codes.ts';

const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const HETU_ROOT = '1.2.246.21';
const HL7_TS = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.\d+)?)?)?([+-]\d{4})?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface CdaFacts {
  doc: Document;
  xml: string;
  id: string;
  setId: string;
  versionNumber: number;
  custodian: string;
  patient: { root: string; extension: string };
  documentGroup: string;
  /** localSocialHeader/functionCode; absent only for the groups the options allow (asiakkuusasiakirja). */
  functionCode?: string;
  /** Calendar date of effectiveTime in Finnish time, YYYY-MM-DD. */
  documentDate: string;
  parent?: { id: string; setId?: string; versionNumber?: number };
  json: unknown;
}

const HELSINKI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki', year: 'numeric', month: '2-digit', day: '2-digit' });

/** HL7 TS → YYYY-MM-DD in Europe/Helsinki; a zoneless TS is taken as Finnish local time already. */
export function helsinkiDate(ts: string): string | undefined {
  const m = HL7_TS.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, tz] = m;
  if (!tz || h === undefined) return `${y}-${mo}-${d}`;
  const when = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${tz.slice(0, 3)}:${tz.slice(3)}`);
  return Number.isNaN(when.getTime()) ? undefined : HELSINKI_DATE.format(when);
}

function oid(el: Element | undefined, name: string, location: string): string {
  const v = attr(el, name);
  if (v === undefined || v === '') refuse('CDA_MISSING_FIELD', location);
  if (!OID.test(v)) refuse('CDA_INVALID_FIELD', location);
  return v;
}

function codeOf(el: Element | undefined, location: string): string {
  if (!el) refuse('CDA_MISSING_FIELD', location);
  const v = attr(el, 'code');
  if (!v) refuse('CDA_INVALID_FIELD', `${location}/@code`);
  return v;
}

function rawText(el: Element): string {
  let s = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) s += n.nodeValue ?? '';
  return s.replace(/\s+/g, '');
}

function decodeBase64(el: Element | undefined, location: string): string {
  if (!el) refuse('CDA_BODY_ENCODING', location);
  const b64 = rawText(el);
  if (b64 === '' || b64.length % 4 !== 0 || !BASE64.test(b64)) refuse('CDA_BODY_ENCODING', location);
  return Buffer.from(b64, 'base64').toString('utf8');
}

export interface CdaReadOptions {
  testPersonsOnly: boolean;
  /** documentGroups whose functionCode is optional. */
  functionCodeOptionalGroups: string[];
  /** Finnish date of now (YYYY-MM-DD): a hetu born after it is invalid. */
  today: string;
}

export function readCda(bytes: Buffer, o: CdaReadOptions): CdaFacts {
  const { testPersonsOnly } = o;
  const xml = bytes.toString('utf8');
  let doc: Document;
  try {
    doc = parseXmlSafely(xml);
  } catch {
    refuse('CDA_MALFORMED_XML', '/ClinicalDocument');
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.hl7 || root.localName !== 'ClinicalDocument') refuse('CDA_MALFORMED_XML', '/ClinicalDocument');

  if (attr(walk(root, 'realmCode'), 'code') !== 'FI') refuse('CDA_INVALID_FIELD', '/ClinicalDocument/realmCode');
  const typeId = walk(root, 'typeId');
  if (attr(typeId, 'root') !== '2.16.840.1.113883.1.3' || attr(typeId, 'extension') !== 'POCD_HD000040') refuse('CDA_INVALID_FIELD', '/ClinicalDocument/typeId');
  const id = oid(walk(root, 'id'), 'root', '/ClinicalDocument/id/@root');
  const setId = oid(walk(root, 'setId'), 'root', '/ClinicalDocument/setId/@root');
  const versionText = attr(walk(root, 'versionNumber'), 'value');
  if (!versionText) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/versionNumber/@value');
  if (!/^[1-9]\d{0,5}$/.test(versionText)) refuse('CDA_INVALID_FIELD', '/ClinicalDocument/versionNumber/@value');
  const confidentiality = walk(root, 'confidentialityCode');
  if (attr(confidentiality, 'code') !== '6' || attr(confidentiality, 'codeSystem') !== '1.2.246.777.5.99902.2006') refuse('CDA_INVALID_FIELD', '/ClinicalDocument/confidentialityCode');
  const effectiveTime = attr(walk(root, 'effectiveTime'), 'value');
  if (!effectiveTime) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/effectiveTime/@value');
  const documentDate = helsinkiDate(effectiveTime) ?? refuse('CDA_INVALID_FIELD', '/ClinicalDocument/effectiveTime/@value');

  const patientId = walk(root, 'recordTarget', 'patientRole', 'id');
  if (!patientId) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/recordTarget/patientRole/id');
  const extension = attr(patientId, 'extension') ?? '';
  if (attr(patientId, 'root') !== HETU_ROOT || !isValidHetu(extension, o.today)) refuse('CDA_HETU_INVALID', '/ClinicalDocument/recordTarget/patientRole/id');
  if (testPersonsOnly && !isTestHetu(extension)) refuse('CDA_NOT_TEST_PERSON', '/ClinicalDocument/recordTarget/patientRole/id');

  const custodian = oid(walk(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'id'), 'root', '/ClinicalDocument/custodian/assignedCustodian/representedCustodianOrganization/id/@root');

  const header = child(root, NS.hl7fi, 'localSocialHeader');
  if (!header) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/hl7fi:localSocialHeader');
  const h = (name: string) => child(header, NS.hl7fi, name);
  const documentGroup = codeOf(h('documentGroup'), '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:documentGroup');
  const functionCodeEl = h('functionCode');
  const functionCode = functionCodeEl || !o.functionCodeOptionalGroups.includes(documentGroup)
    ? codeOf(functionCodeEl, '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:functionCode')
    : undefined;
  codeOf(h('recordStatus'), '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:recordStatus');
  codeOf(h('registryType'), '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:registryType');

  const bodies = children(walk(root, 'component'), NS.hl7, 'nonXMLBody');
  if (bodies.length !== 1) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/component/nonXMLBody');
  const body = bodies[0] as Element;
  if (attr(body, 'ID') !== `OID${id}`) refuse('CDA_BODY_ID', '/ClinicalDocument/component/nonXMLBody/@ID');
  const xhtmlEl = walk(body, 'text');
  if (attr(xhtmlEl, 'mediaType') !== 'application/xhtml+xml') refuse('CDA_BODY_ENCODING', '/ClinicalDocument/component/nonXMLBody/text/@mediaType');
  const xhtml = decodeBase64(xhtmlEl, '/ClinicalDocument/component/nonXMLBody/text');
  try {
    const x = parseXmlSafely(xhtml).documentElement;
    if (!x || x.namespaceURI !== NS.xhtml) refuse('CDA_BODY_ENCODING', '/ClinicalDocument/component/nonXMLBody/text');
  } catch {
    refuse('CDA_BODY_ENCODING', '/ClinicalDocument/component/nonXMLBody/text');
  }
  const jsonText = decodeBase64(child(body, NS.hl7fi, 'json'), '/ClinicalDocument/component/nonXMLBody/hl7fi:json');
  let json: unknown;
  try {
    json = JSON.parse(jsonText);
  } catch {
    refuse('CDA_JSON_INVALID', '/ClinicalDocument/component/nonXMLBody/hl7fi:json');
  }

  const facts: CdaFacts = {
    doc, xml, id, setId, versionNumber: Number(versionText), custodian,
    patient: { root: HETU_ROOT, extension }, documentGroup, documentDate, json,
  };
  if (functionCode !== undefined) facts.functionCode = functionCode;
  const related = children(root, NS.hl7, 'relatedDocument').find((r) => attr(r, 'typeCode') === 'RPLC');
  if (related) {
    const p = walk(related, 'parentDocument');
    const pv = attr(walk(p, 'versionNumber'), 'value');
    facts.parent = {
      id: oid(walk(p, 'id'), 'root', '/ClinicalDocument/relatedDocument/parentDocument/id/@root'),
      ...(attr(walk(p, 'setId'), 'root') ? { setId: attr(walk(p, 'setId'), 'root') as string } : {}),
      ...(pv !== undefined ? { versionNumber: Number(pv) } : {}),
    };
  }
  return facts;
}
