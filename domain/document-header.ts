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

/** A coded value as the CDA writes it (labels kept when present). */
export interface CodedValue {
  code: string;
  codeSystem?: string;
  codeSystemName?: string;
  displayName?: string;
}

/** An HL7 person name: family and given parts in document order (given may carry qualifier CL = calling name). */
export interface PersonName {
  family: string[];
  given: Array<{ value: string; qualifier?: string }>;
}

/**
 * A person acting on the document: the CDA author, or the professional a tenant names on submission.
 * `id` root 1.2.246.537.26 = professional registration number, 1.2.246.21 = hetu (never log it).
 */
export interface ActingPerson {
  id?: InstanceId;
  name?: PersonName;
  /** The service unit (or organisation) the person acts in. */
  unit?: string;
  unitName?: string;
}

/** recordTarget/patientRole/patient as the CDA gives it. */
export interface PatientDetails {
  name?: PersonName;
  /** HL7 TS as written, e.g. 20180418. */
  birthTime?: string;
  gender?: CodedValue;
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

  // Frame details (issue 13). All optional: a CDA without them still archives with a smaller frame.
  /** author/assignedAuthor (id, assignedPerson/name, representedOrganization). */
  author?: ActingPerson;
  /** The professional performing the operation, as the tenant named them on submission (REST headers). */
  actingPerson?: ActingPerson;
  patient?: PatientDetails;
  /** Birth date encoded in the hetu (YYYY-MM-DD), when the client id is a hetu. */
  clientBirthDate?: string;
  /** authorization/consent/code values of code system 1.2.246.537.6.1286.201901 (guardian disclosure of a minor's data). */
  guardianConsentCodes?: string[];
  /** languageCode/@code as written (the public sample has "FI"). */
  languageCode?: string;
  confidentiality?: CodedValue;
  /** encounterParticipant[ADM]/…/representedOrganization/name */
  serviceUnitName?: string;
  /** responsibleParty/…/representedOrganization/name */
  responsibleOrganisationName?: string;
  /** localSocialHeader/outsourcingServiceCustomerName */
  outsourcingServiceCustomerName?: string;

  // Kanta-native intake (issue 12): what the tenant's own archive message said beside the CDA.
  /** The tenant's frame, when the document came in one (adapters/intake/kanta-native/). */
  tenantFrame?: TenantFrame;
}

/**
 * What a tenant's own Kanta archive message said beside its CDA (Kanta-native intake, issue 12): the
 * parts of the frame the gateway carries into the frame it builds for the access point. The acting
 * person travels as DocumentMetadata.actingPerson like the REST headers' one; the rest is here.
 */
export interface TenantFrame {
  /** The tenant's message id (transmission wrapper `id`): every answer's targetMessage. */
  messageId: InstanceId;
  /** The tenant system's sender device id. */
  senderId: string;
  /** controlActProcess/authorOrPerformer/@typeCode as the tenant wrote it (AUT in the public frame). */
  performerTypeCode?: string;
  /** clinicalDocument/author of the tenant's frame. */
  author?: ActingPerson;
  /** clinicalDocument/recordTarget/patient/statusCode. */
  patientStatusCode?: string;
  /** clinicalDocument/recordTarget/patient/patientPerson. */
  patient?: PatientDetails;
  /** clinicalDocument/custodian/…/representedOrganization/name. */
  custodianName?: string;
}

/** Code system of the guardian-consent code (Sosiaalihuolto – Alaikäisen asiakastietojen luovuttaminen huoltajille). */
export const GUARDIAN_CONSENT_SYSTEM = '1.2.246.537.6.1286.201901';

export type { DocumentOperation } from './values.ts';

export const CLIENT_RELATIONSHIP_GROUP = '1';
