// Plain, JSON-friendly data of the routing decision (issue #4). The decision object goes into the intake
// receipt and the document status as it is, so every field is a string, number, boolean or plain object.
import type { DocumentMetadata } from '../../domain/document-header.ts';
import type { RightPeriod } from '../../domain/routing-decision.ts';

// The decision model itself lives in domain/ (the document record carries it); re-exported for routing's callers.
export type { RightEntry, RightPeriod, RoutingDecision, RoutingOutcome, RoutingRejection } from '../../domain/routing-decision.ts';

/** Right periods by service task code (palvelutehtävä, functionCode). A unit may have several periods (reopened). */
export type RightEntriesByTask = Readonly<Record<string, readonly RightPeriod[]>>;

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
  /**
   * Learned from an asiakkuusasiakirja the archive has not acknowledged yet: documents relying on it are
   * accepted but wait for that document (dependsOn); refused or parked, the state before it returns.
   */
  pending?: true;
  /** While pending: the state it replaced (null: none) and the set's version gate before it. */
  previous?: RightSnapshot | null;
  previousVersion?: number | null;
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


/** A send lane: one access point writing into one controller's registry (queues/ runs one per lane). */
export interface SendLane {
  accessPoint: string;
  controller: string;
}
