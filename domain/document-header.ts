// What the gateway reads from a tenant's CDA R2 header (kanta.md §2). Plain data: routing, queues and
// the Kanta message builder take this, never the DOM.

export interface InstanceId {
  root: string;
  extension?: string;
}

export interface ParentDocument {
  id: string;
  setId?: string;
  versionNumber?: number;
}

export interface ExistingSignature {
  /** hl7fi:signature/@ID */
  id: string;
  /** signatureDescription/@code: 1 professional, 3 system. */
  kind: string;
}

export interface DocumentMetadata {
  /** Document OID (ClinicalDocument/id/@root). */
  documentId: string;
  setId: string;
  versionNumber: number;
  /** Controller (rekisterinpitäjä): custodian/…/representedCustodianOrganization/id/@root. */
  custodian: string;
  custodianName?: string;
  /** Organizer (palvelunjärjestäjä): localSocialHeader/outsourcingServiceCustomer/@root. */
  outsourcingServiceCustomer?: string;
  /** Service unit (palveluyksikkö): encounterParticipant[@typeCode=ADM]/…/representedOrganization/id/@root. */
  serviceUnit?: string;
  /** componentOf/…/responsibleParty/…/representedOrganization/id/@root */
  responsibleOrganisation?: string;
  /** Service task (palvelutehtävä) code, 1.2.246.537.6.1221.201601. */
  functionCode?: string;
  /** Asiakirjaryhmä, 1.2.246.537.6.1505.201601: "1" = asiakkuusasiakirja. */
  documentGroup: string;
  /** ClinicalDocument/code/@code (asiakasasiakirjatyyppi) when not nullFlavor. */
  documentTypeCode?: string;
  specificDocumentType?: string;
  registryType?: string;
  /** recordTarget/patientRole/id — root 1.2.246.21 = hetu. Never log the extension. */
  client: InstanceId;
  /** HL7 TS as written, e.g. 20260323105424+0200. */
  effectiveTime: string;
  /** The document's date in Finnish time (Europe/Helsinki), YYYY-MM-DD. */
  documentDate: string;
  /** localSocialHeader/encompassingClientRelationship/@root (asiakkuuden tunniste). */
  clientRelationshipId?: string;
  /** componentOf/encompassingEncounter/id/@root (asia-tunnus), unless nullFlavor. */
  caseId?: string;
  /** relatedDocument[@typeCode=RPLC]/parentDocument, for new versions and voids. */
  parent?: ParentDocument;
  /** component/nonXMLBody/@ID (or structuredBody/@ID): must be "OID" + documentId. */
  bodyId?: string;
  signatures: ExistingSignature[];
}

export type { DocumentOperation } from './values.ts';

export const CLIENT_RELATIONSHIP_GROUP = '1';
