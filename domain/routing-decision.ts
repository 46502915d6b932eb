// The routing decision as data (docs/routing.md): what intake decided about a document, stored on its
// record and shown in the receipt. JSON-friendly: every field is a string, number, boolean or plain object.
import type { ErrorCode } from './errors.ts';
import type { UsageSituation } from './values.ts';

/** One period of a provider unit's registry-use right for one service task (seed 004 §3.3). */
export interface RightPeriod {
  /** Provider service unit OID (palveluyksikon_nimi.code). */
  unit: string;
  /** asiakkuuden_alkamispvm, YYYY-MM-DD, Finnish calendar date, inclusive. */
  start: string;
  /** asiakkuuden_paattymispvm, YYYY-MM-DD, inclusive; absent while the right is open. */
  end?: string;
}

/** The right entry a decision relied on: a period plus the task it is listed under. */
export interface RightEntry extends RightPeriod {
  task: string;
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
  usageSituation: UsageSituation;
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
