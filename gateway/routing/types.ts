// Plain, JSON-friendly data of the routing decision (issue #4). The decision object goes into the intake
// receipt and the document status as it is, so every field is a string, number, boolean or plain object.
import type { ErrorCode } from '../errors.ts';
import type { DocumentMetadata } from '../../adapters/cda/document-metadata.ts';

/** One period of a provider unit's registry-use right for one service task (seed 004 §3.3). */
export interface RightPeriod {
  /** Provider service unit OID (palveluyksikon_nimi.code). */
  unit: string;
  /** asiakkuuden_alkamispvm, YYYY-MM-DD, Finnish calendar date, inclusive. */
  start: string;
  /** asiakkuuden_paattymispvm, YYYY-MM-DD, inclusive; absent while the right is open. */
  end?: string;
}

/** Right periods by service task code (palvelutehtävä, functionCode). A unit may have several periods (reopened). */
export type RightEntriesByTask = Readonly<Record<string, readonly RightPeriod[]>>;

/** The right entry a decision relied on: a period plus the task it is listed under. */
export interface RightEntry extends RightPeriod {
  task: string;
}

/** Where the current right state came from. */
export type RightSource =
  | { kind: 'document'; documentId: string; setId: string; versionNumber: number }
  | { kind: 'api'; by: string };

/** Current registry-use right state of one (organizer, client): what the store returns. */
export interface RightSnapshot {
  organizer: string;
  /** clientKey(client, secret): a pseudonym, never the hetu. */
  clientKey: string;
  entries: RightEntriesByTask;
  source: RightSource;
  /** When this state took effect (ISO 8601). */
  effectiveAt: string;
}

/** One entry of the right history: every change is kept with its effective time. */
export type RightChange = RightSnapshot;

/** The document fields routing reads. DocumentMetadata is assignable to it; the journal keeps only these. */
export type RoutingMeta = Pick<
  DocumentMetadata,
  'documentId' | 'setId' | 'versionNumber' | 'custodian' | 'outsourcingServiceCustomer' | 'serviceUnit' | 'functionCode' | 'documentGroup' | 'documentDate'
>;

/** Stored record of the parent document, for versions and voids. */
export interface ParentRecord {
  /** Organisation that wrote the parent (owner of its service unit). */
  writerOrganisation: string;
  /** Registry the parent lives in (its custodian). */
  controller: string;
}

export interface RoutingDecision {
  accepted: true;
  /** Rekisterinpitäjä: the registry the document goes into (= custodian). */
  controller: string;
  registry: 'own' | 'organizer';
  writerOrganisation: string;
  accessPoint: string;
  signingIdentity: string;
  /** Käyttötilanne: own use, or a provider writing under a registry-use right. */
  usageSituation: 'ownUse' | 'registryRight';
  ruleId: string;
  explanation: string;
  contractId?: string;
  right?: RightEntry;
  configVersion: string;
}

export interface RoutingRejection {
  accepted: false;
  code: ErrorCode;
  ruleId: string;
  message: string;
  details?: Record<string, unknown>;
  configVersion: string;
}

export type RoutingOutcome = RoutingDecision | RoutingRejection;
