// Registry routing and registry-use rights (rekisterinkäyttöoikeus, RKO), kanta.md §4 and checks 9–10.
// Pure: plain values in, a refusal thrown or nothing. The rights come from the latest archived
// client-relationship document (asiakkuusasiakirja) of the custodian for that client.
import { refuse } from './detail-codes.ts';
import type { ClientRelationship, RightEntry } from './archive-state.ts';
import type { AccessPointRegistration, KantaCodeTables } from './options.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const WHERE_JSON = '/ClinicalDocument/component/nonXMLBody/hl7fi:json';

export interface UnitRegister {
  /** Owning organisation of a service unit, or the OID itself when it names a known organisation. */
  organisationOf(oid: string): string | undefined;
}

/** The service tasks (palvelutehtävä codes) an asiakkuusasiakirja JSON lists, with or without providers. */
export function readServiceTasks(json: unknown): string[] {
  const doc = (json as { asiakkuusasiakirja?: unknown } | null)?.asiakkuusasiakirja;
  const tasks = (doc as { sosiaalihuollon_palvelutehtava?: unknown } | undefined)?.sosiaalihuollon_palvelutehtava;
  if (!Array.isArray(tasks)) return [];
  const codes = tasks.map((t) => (t as { palvelutehtava?: { code?: unknown } } | null)?.palvelutehtava?.code).filter((c): c is string => typeof c === 'string');
  return [...new Set(codes)];
}

/** Reads the RKO entries of an asiakkuusasiakirja JSON (kanta.md §2 JSON conventions). */
export function readRights(json: unknown): RightEntry[] {
  const doc = (json as { asiakkuusasiakirja?: unknown } | null)?.asiakkuusasiakirja;
  if (!doc || typeof doc !== 'object') refuse('CDA_JSON_INVALID', `${WHERE_JSON} asiakkuusasiakirja`);
  const tasks = (doc as { sosiaalihuollon_palvelutehtava?: unknown }).sosiaalihuollon_palvelutehtava ?? [];
  if (!Array.isArray(tasks)) refuse('CDA_JSON_INVALID', `${WHERE_JSON} sosiaalihuollon_palvelutehtava`);
  const out: RightEntry[] = [];
  for (const t of tasks as Array<Record<string, unknown>>) {
    const task = (t?.palvelutehtava as { code?: unknown } | undefined)?.code;
    const providers = t?.palveluntuottaja ?? [];
    if (typeof task !== 'string' || !Array.isArray(providers)) refuse('CDA_JSON_INVALID', `${WHERE_JSON} sosiaalihuollon_palvelutehtava[].palvelutehtava`);
    for (const p of providers as Array<Record<string, unknown>>) {
      const unit = (p?.palveluyksikon_nimi as { code?: unknown } | undefined)?.code;
      const start = p?.asiakkuuden_alkamispvm;
      const end = p?.asiakkuuden_paattymispvm;
      if (typeof unit !== 'string' || typeof start !== 'string' || !ISO_DATE.test(start) || (end !== undefined && (typeof end !== 'string' || !ISO_DATE.test(end)))) {
        refuse('CDA_JSON_INVALID', `${WHERE_JSON} palveluntuottaja[]`);
      }
      out.push({ unit, task, start, ...(typeof end === 'string' ? { end } : {}) });
    }
  }
  return out;
}

/** Both days inclusive; ISO dates compare as strings. */
export function rightCovers(r: RightEntry, date: string): boolean {
  return r.start <= date && (r.end === undefined || date <= r.end);
}

export interface WriteRequest {
  writerUnit: string;
  accessPoint: AccessPointRegistration;
  usageSituation: string;
  custodian: string;
  documentGroup: string;
  functionCode: string | undefined;
  /** Document date in Finnish time. */
  documentDate: string;
  relationship: ClientRelationship | undefined;
}

export function writerOrganisation(units: UnitRegister, unit: string, ap: AccessPointRegistration): string {
  const org = units.organisationOf(unit);
  if (!org) refuse('REGISTRY_UNIT_UNKNOWN', '/*/controlActProcess/authorOrPerformer/assignedPerson/representedOrganization/id/@root');
  if (!ap.organisations.includes(org)) refuse('REGISTRY_ACCESS_POINT_ORGANISATION', '/*/sender/device/id/@root');
  return org;
}

export function checkRegistryWrite(units: UnitRegister, codes: KantaCodeTables, w: WriteRequest): void {
  const org = writerOrganisation(units, w.writerUnit, w.accessPoint);
  const situation = '/*/controlActProcess/reasonCode';
  if (w.usageSituation === codes.usageSituation.ownUse) {
    if (w.custodian !== org) refuse('REGISTRY_FOREIGN_CUSTODIAN', situation);
    return;
  }
  if (w.custodian === org) refuse('REGISTRY_USAGE_SITUATION', situation);
  if (w.documentGroup === '1') refuse('RIGHT_PROVIDER_CLIENT_RELATIONSHIP', '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:documentGroup');
  if (!w.relationship) refuse('RIGHT_NO_CLIENT_RELATIONSHIP', '/ClinicalDocument/custodian');
  // A provider's document names the service task its right is for; without one no right can match.
  if (w.functionCode === undefined) refuse('CDA_MISSING_FIELD', '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:functionCode');
  const listed = w.relationship.rights.filter((r) => r.unit === w.writerUnit && r.task === w.functionCode);
  if (listed.length === 0) refuse('RIGHT_NOT_LISTED', '/ClinicalDocument/hl7fi:localSocialHeader/hl7fi:functionCode');
  if (!listed.some((r) => rightCovers(r, w.documentDate))) refuse('RIGHT_DATE_OUTSIDE', '/ClinicalDocument/effectiveTime');
}

/** Query visibility (kanta-binding.md §5): the organizer itself, or a listed provider unit with a right valid today. */
export function checkQueryVisibility(org: string, askingUnit: string, custodian: string, today: string, relationship: ClientRelationship | undefined): void {
  if (org === custodian) {
    if (!relationship) refuse('NOT_FOUND', '/*/controlActProcess/queryByParameter');
    return;
  }
  // A provider learns nothing, not even whether the client exists, without a valid right.
  if (!relationship || !relationship.rights.some((r) => r.unit === askingUnit && rightCovers(r, today))) {
    refuse('QUERY_FORBIDDEN', '/*/controlActProcess/queryByParameter');
  }
}
