// Intake format "Kanta-native": a certified client system's own archive, version or void message
// (RCMR_IN200002FI01 / …16FI01 / …17FI01 in a SOAP 1.1 envelope, kanta-binding.md §2–§3). Translation
// only: read the envelope and frame safely, take the CDA byte-exact from the MIME part, read its header
// as the CDA format does, check that the frame repeats the CDA faithfully, and hand on what the frame
// adds (acting person, author, patient, names, the tenant's message id) and what it claims (käyttötilanne)
// in the one ParsedDocument value. No routing or right rule lives here: the claim is checked by intake
// against the gateway's own decision.
import { CLIENT_RELATIONSHIP_GROUP, type TenantFrame } from '../../../domain/document-header.ts';
import { GatewayError } from '../../../domain/errors.ts';
import type { ParsedDocument } from '../../../domain/parsed-document.ts';
import type { UsageSituation } from '../../../domain/values.ts';
import type { KantaCodes } from '../../../config/schema.ts';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../../xml/xml-limits.ts';
import { readCdaXml } from '../cda-xml.ts';
import { readArchiveFrame } from './archive-frame.ts';
import { checkFrameAgainstCda } from './frame-consistency.ts';
import { cdaFromMime } from './frame-mime.ts';
import { frameInvalid, interactionOf, parseNativeEnvelope, readWrapper } from './native-request.ts';

export const KANTA_NATIVE_FORMAT = 'kanta-native';

export interface KantaNativeDeps {
  /** kanta.codes, read per request so a reload applies: interactions, palvelupyyntö and käyttötilanne codes. */
  codes: () => KantaCodes;
}

/** The käyttötilanne code as the gateway's own value (kanta.codes.usageSituation read backwards). */
export function usageOfCode(code: string, codes: KantaCodes): UsageSituation {
  const found = (Object.entries(codes.usageSituation) as Array<[UsageSituation, string]>).find(([, c]) => c === code);
  if (!found) throw frameInvalid('controlActProcess/reasonCode (käyttötilanne)', 'The käyttötilanne code is not one the archive knows');
  return found[0];
}

export function readKantaNative(input: { body: Buffer; xmlLimits?: XmlLimits }, deps: KantaNativeDeps): ParsedDocument {
  const limits = input.xmlLimits ?? DEFAULT_XML_LIMITS;
  const codes = deps.codes();
  const message = parseNativeEnvelope(input.body, limits);
  const wrapper = readWrapper(message);
  const interaction = interactionOf(message, wrapper, codes);
  if (interaction === 'queryClientRelationship') throw new GatewayError('NATIVE_INTERACTION_UNSUPPORTED', 'A query carries no document to archive', { details: { field: '/*' } });
  const frame = readArchiveFrame(message);
  const usageSituation = usageOfCode(frame.usageSituation, codes);
  const { bytes, contentId } = cdaFromMime(frame.document.mimeText, frame.document.id);
  const cda = readCdaXml(bytes, interaction, limits);
  checkFrameAgainstCda(frame, cda.header, interaction, codes, contentId);

  const d = frame.document;
  const tenantFrame: TenantFrame = {
    messageId: wrapper.messageId!,
    senderId: wrapper.senderId!,
    ...(frame.performerTypeCode ? { performerTypeCode: frame.performerTypeCode } : {}),
    ...(d.author ? { author: d.author } : {}),
    ...(d.patientStatusCode ? { patientStatusCode: d.patientStatusCode } : {}),
    ...(d.patientPerson ? { patient: d.patientPerson } : {}),
    ...(d.custodianName ? { custodianName: d.custodianName } : {}),
  };
  return {
    format: KANTA_NATIVE_FORMAT,
    cda: bytes,
    // The frame names who performs the operation: it travels as the acting person, like the REST headers' one.
    header: { ...cda.header, actingPerson: frame.actingPerson, tenantFrame },
    ...(cda.header.documentGroup === CLIENT_RELATIONSHIP_GROUP && cda.clientRelationshipJson !== undefined ? { clientRelationshipJson: cda.clientRelationshipJson } : {}),
    requestedOperation: interaction,
    claims: { usageSituation },
  };
}
