// The one value every intake format produces (CDA XML today; Kanta-native SOAP and JSON plug in beside
// it). After this point intake has a single path: nothing downstream knows which format a document
// came in, and nothing parses the CDA again to learn its header.
import type { DocumentMetadata } from './document-header.ts';
import type { UsageSituation } from './values.ts';

/**
 * What a submission itself claimed about the routing (a Kanta-native frame's käyttötilanne): intake
 * checks it against the gateway's own decision (run-intake.ts checkClaims) and refuses a disagreement.
 */
export interface SubmissionClaims {
  usageSituation?: UsageSituation;
}

export interface ParsedDocument {
  /** Which intake format produced it (for logs and metrics only; no rule branches on it). */
  format: string;
  /** The CDA R2 bytes exactly as they will be stored and signed. */
  cda: Buffer;
  header: DocumentMetadata;
  /**
   * The structured JSON part (hl7fi:json), read only for asiakkuusasiakirjat (document group 1): the
   * registry-use rights they grant are the only body content the gateway acts on.
   */
  clientRelationshipJson?: unknown;
  /** The operation the submission named (Kanta-Operation header, a SOAP interaction), if it named one. */
  requestedOperation?: string;
  /** What the submission claimed about its routing, if it claimed anything. */
  claims?: SubmissionClaims;
}
