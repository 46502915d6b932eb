// Builds the "Hae asiakkuus" request (kanta-binding.md §5): who asks (service unit), whose registry
// (organizer) and which client. The answer carries the organizer's latest asiakkuusasiakirja.
import { randomUUID } from 'node:crypto';
import type { AccessPoint, KantaCodes } from '../../config/schema.ts';
import type { InstanceId } from '../../domain/document-header.ts';
import { escapeAttr as a } from './xml-escape.ts';
import { messageIdRootOf, wrapTransmission } from './transmission-wrapper.ts';
import type { BuiltMessage, MessageId } from './outbound-document.ts';

const QUERY_TRIGGER = 'RCMR_TE000110UV01';

export interface ClientRelationshipQuery {
  /** Organizer OID: whose registry is asked. */
  organizer: string;
  /** Client id, normally root 1.2.246.21 (hetu). Never logged. */
  client: { root: string; extension: string };
  /** Service unit OID of the provider (or organizer) asking. */
  askingUnit: string;
  /**
   * The professional on whose behalf the query is made, when the asking system named one (the query
   * relay passes the tenant's on); otherwise `id nullFlavor="NA"` [A]. Never logged.
   */
  actingPerson?: { root: string; extension: string };
}

export interface QueryBuildOptions {
  messageId: MessageId;
  creationTime: Date;
  /** Query id extension; a fresh UUID otherwise. The root is the message id root (an OID we own). */
  queryId?: InstanceId & { extension: string };
}

export function buildClientRelationshipQuery(q: ClientRelationshipQuery, ap: AccessPoint, codes: KantaCodes, opts: QueryBuildOptions): BuiltMessage & { queryId: InstanceId } {
  const queryId = opts.queryId ?? { root: messageIdRootOf(ap), extension: randomUUID() };
  const controlActProcess =
    `<controlActProcess classCode="CACT" moodCode="EVN">` +
    `<code code="${QUERY_TRIGGER}" codeSystem="2.16.840.1.113883.1.18"/>` +
    `<authorOrPerformer typeCode="AUT"><assignedPerson>` +
    (q.actingPerson ? `<id root="${a(q.actingPerson.root, 'actingPerson.root')}" extension="${a(q.actingPerson.extension, 'actingPerson.extension')}"/>` : `<id nullFlavor="NA"/>`) +
    `<representedOrganization><id root="${a(q.askingUnit, 'askingUnit')}"/></representedOrganization>` +
    `</assignedPerson></authorOrPerformer>` +
    `<queryByParameter>` +
    `<queryId root="${a(queryId.root, 'queryId.root')}" extension="${a(queryId.extension ?? '', 'queryId.extension')}"/>` +
    `<custodian><value root="${a(q.organizer, 'organizer')}"/></custodian>` +
    `<patientId><value root="${a(q.client.root, 'client.root')}" extension="${a(q.client.extension, 'client.extension')}"/></patientId>` +
    `</queryByParameter>` +
    `</controlActProcess>`;
  const built = wrapTransmission({
    interactionId: codes.interactions.queryClientRelationship,
    messageId: opts.messageId,
    creationTime: opts.creationTime,
    ap,
    controlActProcess,
  });
  return { ...built, queryId };
}
