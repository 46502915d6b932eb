// One "Hae asiakkuus" question as the relay sees it, whichever way it came in (REST JSON or the
// tenant's own Kanta message): who asks (tenant, service unit, acting person), whose registry
// (custodian) and which client. The client and the acting person may be hetus: they go to the archive
// and, as pseudonyms only, to the usage log; never to a log line, a URL or an error message.
import type { Tenant } from '../../config/schema.ts';

export interface PersonId {
  root: string;
  extension: string;
}

export interface ClientQuery {
  tenant: Tenant;
  /** Service unit OID asking (the frame's authorOrPerformer/representedOrganization). */
  askingUnit: string;
  /** Controller whose registry is asked (queryByParameter/custodian). */
  custodian: string;
  /** The client (queryByParameter/patientId), normally root 1.2.246.21. */
  client: PersonId;
  /** The professional the tenant's system names as asking, when it names one. */
  actingPerson?: PersonId;
}

/**
 * organizer: the unit's own organisation is the controller (it may learn that a client has no
 * relationship); provider: asking in an organizer's registry where it may hold a registry-use right.
 */
export type QueryRole = 'organizer' | 'provider';
