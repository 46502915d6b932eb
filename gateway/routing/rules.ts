// The routing rule catalogue: one stable id per rule, what it checks and the code it refuses with.
// docs/routing.md has one row per entry (test/routing/rules-doc.test.ts keeps the two in step); the
// decision and every rejection carry the ruleId so a receipt can be traced to its row.
import type { ErrorCode } from '../../domain/errors.ts';

export interface RuleSpec {
  /** What the rule checks, one line. */
  checks: string;
  /** Code on refusal; undefined for rules that only accept. */
  refusal?: ErrorCode;
}

export const RULES = {
  'R-TENANT-KNOWN': { checks: 'The calling tenant exists in the configuration version the decision is made against', refusal: 'AUTH_INVALID' },
  'R-MINOR-GUARDIAN-CONSENT': { checks: 'A document (archive or version) for a client under 18 on the document date (birth date from the hetu) carries a guardian-consent code (authorization/consent, 1.2.246.537.6.1286.201901)', refusal: 'INTAKE_MINOR_CONSENT_MISSING' },
  'R-UNIT-KNOWN': { checks: 'The document names a service unit (encounterParticipant ADM) that is in the configured SOTE register extract', refusal: 'ROUTE_UNKNOWN_SERVICE_UNIT' },
  'R-UNIT-OWNED': { checks: 'The tenant acts for the organisation that owns the service unit (serviceUnits[].organisation); that organisation is the writer', refusal: 'ROUTE_UNIT_NOT_OWNED' },
  'R-CUSTODIAN-KNOWN': { checks: 'The custodian is a configured organisation', refusal: 'ROUTE_UNKNOWN_ORGANISATION' },
  'R-PARENT-SAME-REGISTRY': { checks: 'A version or void stays in the registry of the document it replaces', refusal: 'ROUTE_PARENT_REGISTRY_MISMATCH' },
  'R-ORGANIZER-VERSIONS-PROVIDER-DOC': { checks: 'Accepts: the organizer versions or voids a provider-written document in its own registry (the unit is not the tenant\'s, the custodian is)' },
  'R-PARALLEL-ONE-ORGANIZER': { checks: 'A parallel joiner writes only into its one organizer\'s registry (its own registry included is refused)', refusal: 'ROUTE_PARALLEL_FOREIGN_REGISTRY' },
  'R-JOINT-NO-CO-JOINER-REGISTRY': { checks: 'A joint joiner never writes into the registry of another member of its joint group (co-joiners or the main joiner)', refusal: 'ROUTE_JOINT_FOREIGN_REGISTRY' },
  'R-OWN-REGISTRY': { checks: 'Accepts: custodian = writer, the organisation\'s own services in its own registry (usage: own use)' },
  'R-CUSTODIAN-IS-ORGANIZER': { checks: 'A custodian other than the writer is an organizer (appears as organizer in some contract)', refusal: 'ROUTE_CUSTODIAN_NOT_PERMITTED' },
  'R-ORGANIZER-MATCHES-CUSTODIAN': { checks: 'In an organizer\'s registry, outsourcingServiceCustomer (when present) equals the custodian', refusal: 'ROUTE_ORGANIZER_MISMATCH' },
  'R-FUNCTION-CODE': { checks: 'A document for an organizer\'s registry names its service task (functionCode)', refusal: 'INTAKE_MISSING_FIELD' },
  'R-CONTRACT': { checks: 'A contract organizer → provider(writer) covers the functionCode and is valid on the document date (validFrom … validTo inclusive)', refusal: 'RIGHT_NO_CONTRACT' },
  'R-PROVIDER-NO-CLIENT-RELATIONSHIP': { checks: 'A provider writes no client-relationship (group 1) or case documents (index option caseDocumentGroups, default ["2"]) into an organizer\'s registry unless the contract has broadRight', refusal: 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP' },
  'R-PARENT-WRITER': { checks: 'In an organizer\'s registry a provider versions or voids only documents its own organisation wrote', refusal: 'RIGHT_NOT_DOCUMENT_WRITER' },
  'R-RIGHT-LISTED': { checks: 'The organizer\'s latest client-relationship state for this client lists the unit under the functionCode', refusal: 'RIGHT_NOT_FOUND' },
  'R-RIGHT-DATE': { checks: 'The document date lies within one of the unit\'s right periods (start … end, both inclusive, Finnish dates)', refusal: 'RIGHT_DATE_OUTSIDE' },
  'R-RIGHT-ENDED-VERSION': { checks: 'A provider versions or voids only while a right period for the unit and task is valid today (Finnish date of now)', refusal: 'RIGHT_ENDED_VERSION_BY_PROVIDER' },
  'R-REGISTRY-RIGHT': { checks: 'Accepts: a provider writes into the organizer\'s registry under a contract and a valid registry-use right (usage: registry right)' },
  'R-BROAD-RIGHT': { checks: 'Accepts: under a broad right (contract broadRight, shelter services) a provider writes client-relationship or case documents with the contract alone' },
  'R-ACCESS-POINT': { checks: 'The tenant\'s access point is configured', refusal: 'ROUTE_NO_ACCESS_POINT' },
  'R-SIGNING-IDENTITY': { checks: 'The tenant\'s signing identity is configured', refusal: 'ROUTE_NO_SIGNING_IDENTITY' },
  'R-RIGHT-EXTRACT': { checks: 'An asiakkuusasiakirja JSON body has the shape rights are read from (tasks, unit OIDs, real dates, end ≥ start)', refusal: 'INTAKE_INVALID_FIELD' },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;
