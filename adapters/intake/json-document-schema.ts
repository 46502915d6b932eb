// The JSON submission a client system sends instead of a CDA (POST /v1/documents, application/json):
// the document's metadata, its XHTML view and its structured JSON part. The gateway builds the Kanta
// CDA R2 from it (adapters/cda/build-cda.ts) after minting the document id. Field meanings and their
// CDA places are in docs/json-intake.md; codes are the Kanta classifications kanta.md §2 names.
// Published in the OpenAPI description through `.meta({ description, example })`.
import { z } from 'zod';
import { OID_PATTERN } from '../../domain/values.ts';
import { makeHetu } from '../cda/hetu.ts';

/** Characters XML 1.0 cannot carry at all (not even escaped): refused rather than dropped. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;

export const XmlText = z
  .string()
  .refine((s) => !XML_FORBIDDEN.test(s), { message: 'contains a character XML cannot carry (a control character or a lone surrogate)', params: { code: 'invalid_characters' } });

const Oid = z.string().regex(OID_PATTERN, 'must be a dotted OID such as 1.2.246.10.123');

/** A code of a Kanta classification; the code system is fixed by the field (docs/json-intake.md). */
export const Coded = z
  .strictObject({
    code: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a classification code (letters, digits, . _ -)'),
    displayName: XmlText.pipe(z.string().min(1).max(500)).optional(),
  })
  .meta({ description: 'A code of the classification the field names; displayName as the classification gives it (written into the CDA as is).' });

/** ISO 8601 date-time with a zone (Z or ±hh:mm): a document time without a zone is ambiguous. */
export const IsoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-09-15T12:00:00+03:00' });
const IsoDate = z.iso.date({ message: 'must be a date YYYY-MM-DD' });

const Name = XmlText.pipe(z.string().min(1).max(200));
export const PersonName = z.strictObject({ given: z.array(Name).min(1).max(10), family: Name });

const SubmissionObject = z
  .strictObject({
    submissionKey: z
      .string()
      .regex(/^[\x21-\x7e]{8,200}$/, 'must be 8–200 printable ASCII characters')
      .optional()
      .meta({ description: 'Idempotency key chosen by the client system: a resend with the same key gets the same document id, so a retried request is a resubmission (200), not a second document. Kept 7 days.' }),
    documentGroup: Coded.meta({ description: 'Asiakirjaryhmä (1.2.246.537.6.1505.201601): "1" asiakkuusasiakirja, "5" later-phase asiakasasiakirja, …' }),
    documentType: Coded.optional().meta({ description: 'Asiakasasiakirjatyyppi (1.2.246.537.6.1506.201701), e.g. 15 Suunnitelma; required except on an asiakkuusasiakirja (written as nullFlavor NA there).' }),
    specificDocumentType: Coded.meta({ description: 'Tarkennettu asiakirjatyyppi (1.2.246.537.6.1506.201701), e.g. 15007.' }),
    client: z
      .strictObject({
        hetu: z.string().meta({ description: 'Henkilötunnus (recordTarget root 1.2.246.21). Never logged.' }),
        name: PersonName.optional(),
        birthDate: IsoDate.optional(),
        gender: Coded.optional().meta({ description: 'AR/YDIN - Sukupuoli (1.2.246.537.5.1.1997).' }),
      })
      .meta({ description: 'The client (recordTarget).' }),
    organizer: Oid.meta({ description: 'Palvelunjärjestäjä (localSocialHeader/outsourcingServiceCustomer, responsibleParty organisation).' }),
    custodian: Oid.optional().meta({ description: 'Rekisterinpitäjä whose registry the document goes into (custodian); default: the organizer.' }),
    serviceUnit: Oid.meta({ description: 'Palveluyksikkö producing the service (encounterParticipant ADM); under a registry-use right the provider\'s unit. Its organisation\'s arc mints the document id.' }),
    serviceTask: Coded.meta({ description: 'Palvelutehtävä (functionCode, 1.2.246.537.6.1221.201601), e.g. 24 Lapsiperheiden palvelut.' }),
    serviceProcess: Coded.optional().meta({ description: 'Sosiaalihuollon palveluprosessi (1.2.246.537.6.1277.201701), e.g. 3 Asiakkuuden suunnittelu.' }),
    effectiveTime: IsoDateTime.meta({ description: 'When the document was made (effectiveTime); its Finnish calendar date is the document date for rights.' }),
    creationTime: IsoDateTime.optional().meta({ description: 'localSocialHeader/creationTime; default: effectiveTime.' }),
    author: z
      .strictObject({
        id: z.strictObject({
          root: Oid.default('1.2.246.537.26').meta({ description: '1.2.246.537.26 professional registration number (default) or 1.2.246.21 henkilötunnus.' }),
          extension: z.string().regex(/^[A-Za-z0-9+-]{1,64}$/, 'must be an identifier (letters, digits, + -)'),
        }),
        name: PersonName,
        time: IsoDateTime.optional().meta({ description: 'author/time; default nullFlavor NA as in the public samples.' }),
      })
      .meta({ description: 'The professional who wrote the document (author).' }),
    caseId: Oid.optional().meta({ description: 'Asia-tunnus (encompassingEncounter/id); absent: nullFlavor NA.' }),
    clientRelationshipId: Oid.optional().meta({ description: 'Asiakkuuden tunniste (localSocialHeader/encompassingClientRelationship).' }),
    display: z
      .strictObject({
        specialContent: z.boolean().default(false).meta({ description: 'Erityissisältö (1.2.246.537.6.112.2007 K/E): hidden from OmaKanta.' }),
        restrictionReason: Coded.optional().meta({ description: 'Peruste näyttämisen rajaamiselle OmaKannassa (inaccessibleArgument, 1.2.246.537.6.1288.201901).' }),
        restrictionArgument: XmlText.pipe(z.string().min(1).max(2000)).optional().meta({ description: 'Free-text argument (authorizationRestrictionArgument).' }),
      })
      .optional()
      .meta({ description: 'OmaKanta display restrictions.' }),
    guardianConsent: Coded.optional().meta({ description: 'Alaikäisen asiakastietojen luovuttaminen huoltajille (authorization/consent, 1.2.246.537.6.1286.201901); required when the client is a minor on the document date.' }),
    retentionClass: Coded.optional().meta({ description: 'Kokonaissäilytysaika (1.2.246.537.6.1258.201601); default 1 Säilytetään pysyvästi.' }),
    registryType: Coded.optional().meta({ description: 'Rekisteritunnus (1.2.246.537.6.1264.201701); default 1 Sosiaalihuollon asiakasrekisteri.' }),
    contentSpecificationId: z.string().regex(/^[0-9]+(\.[0-9]+)+$/, 'must be a dotted identifier').optional().meta({ description: 'Sisältömääritys followed (contentSpecificationId).' }),
    language: z.string().regex(/^[A-Za-z]{2}(-[A-Za-z]{2})?$/, 'must be a language code such as FI or sv').optional().meta({ description: 'languageCode; default fi.' }),
    version: z
      .strictObject({
        setId: Oid,
        parentId: Oid,
        versionNumber: z.int().min(2).max(999_999),
      })
      .optional()
      .meta({ description: 'For a new version: the set (setId of version 1), the version it replaces and this versionNumber (parent + 1). The gateway mints the new version\'s own id.' }),
    body: z
      .strictObject({
        xhtml: XmlText.pipe(z.string().min(1)).meta({ description: 'The XHTML 1.1 view: one root <div class="soc-document" xmlns="http://www.w3.org/1999/xhtml"> without an id (the gateway sets id="OID{document id}").' }),
        json: z.record(z.string(), z.unknown()).meta({ description: 'The structured part (hl7fi:json), Kanta\'s snake_case Finnish keys; for an asiakkuusasiakirja {asiakkuusasiakirja: …} with the registry-use rights.' }),
      })
      .meta({ description: 'The document content, Base64-encoded by the gateway into nonXMLBody.' }),
  });

export type JsonDocumentSubmission = z.infer<typeof SubmissionObject>;
export type JsonDocumentSubmissionInput = z.input<typeof SubmissionObject>;

// --- examples (synthetic: test persons with individual numbers 900–999, the demo's organisations)

const REGION = '1.2.246.10.11111111.10.0';
const REGION_UNIT = '1.2.246.10.11111111.10.1';
const HOIVA_UNIT = '1.2.246.10.22222222.10.1';
const CHILD = makeHetu(15, 3, 2016, 901);
const AUTHOR = { id: { root: '1.2.246.537.26', extension: '10000000001' }, name: { given: ['Testi'], family: 'Työntekijä' } };
const SERVICE_TASK = { code: '24', displayName: 'Lapsiperheiden palvelut' };
const UNIT_CODE = 'urn:oid:1.2.246.537.6.202.2008';
const xhtml = (title: string) => `<div class="soc-document" xmlns="http://www.w3.org/1999/xhtml"><div class="soc-main-wrapper"><h1 class="soc-fulltitle">${title}</h1></div></div>`;

/** The region's asiakkuusasiakirja: opens a registry-use right for Hoivapalvelu's unit in service task 24. */
export const CLIENT_RELATIONSHIP_EXAMPLE = {
  submissionKey: 'region-asiakkuus-2026-0001',
  documentGroup: { code: '1', displayName: 'Asiakkuusasiakirja' },
  specificDocumentType: { code: '1', displayName: 'Asiakkuusasiakirja' },
  client: { hetu: CHILD, name: { given: ['Testi'], family: 'Henkilö' } },
  organizer: REGION,
  serviceUnit: REGION_UNIT,
  serviceTask: SERVICE_TASK,
  effectiveTime: '2026-09-01T09:00:00+03:00',
  author: AUTHOR,
  clientRelationshipId: '1.2.246.10.11111111.77.1',
  guardianConsent: { code: '1', displayName: 'Alaikäisen asiakkaan asiakirja voidaan luovuttaa huoltajille' },
  body: {
    xhtml: xhtml('Asiakkuusasiakirja'),
    json: {
      asiakkuusasiakirja: {
        asiakkuuden_yksilointitunnus: '1.2.246.10.11111111.77.1',
        asiakas: { henkilotunnus: { system: 'urn:oid:1.2.246.21', value: CHILD } },
        sosiaalihuollon_asiakkuus: { asiakkuuden_alkamispvm: '2026-09-01' },
        palvelunjarjestajan_toimintayksikko: { system: UNIT_CODE, code: REGION_UNIT },
        sosiaalihuollon_palvelutehtava: [
          {
            palvelutehtava: { system: 'urn:oid:1.2.246.537.6.1221.201601', code: '24', display: 'Lapsiperheiden palvelut' },
            palvelunjarjestajan_palveluyksikko: [{ system: UNIT_CODE, code: REGION_UNIT }],
            palveluntuottaja: [
              {
                sosiaalipalvelu: [{ system: 'urn:oid:1.2.246.537.6.1222.201601', code: '45', display: 'Sosiaaliohjaus' }],
                palveluyksikon_nimi: { system: UNIT_CODE, code: HOIVA_UNIT, display: 'Perhetyön yksikkö' },
                asiakkuuden_alkamispvm: '2026-09-01',
              },
            ],
          },
        ],
      },
    },
  },
} satisfies JsonDocumentSubmissionInput;

/** A client plan (asiakassuunnitelma) of the same child, version 1, with an OmaKanta display restriction. */
export const CLIENT_PLAN_EXAMPLE = {
  submissionKey: 'region-plan-2026-0001-v1',
  documentGroup: { code: '5', displayName: 'Toisen tai myöhemmän vaiheen asiakasasiakirja' },
  documentType: { code: '15', displayName: 'Suunnitelma' },
  specificDocumentType: { code: '15007', displayName: 'Lapsiperheiden palvelujen asiakassuunnitelma' },
  client: { hetu: CHILD, name: { given: ['Testi'], family: 'Henkilö' } },
  organizer: REGION,
  serviceUnit: REGION_UNIT,
  serviceTask: SERVICE_TASK,
  serviceProcess: { code: '3', displayName: 'Asiakkuuden suunnittelu' },
  effectiveTime: '2026-09-15T12:00:00+03:00',
  author: AUTHOR,
  display: { specialContent: false, restrictionReason: { code: '1', displayName: 'Asiakirjan näyttämisestä aiheutuu vaaraa asiakkaan terveydelle tai kehitykselle' }, restrictionArgument: 'Viivästys 1' },
  guardianConsent: { code: '1', displayName: 'Alaikäisen asiakkaan asiakirja voidaan luovuttaa huoltajille' },
  contentSpecificationId: '1.2.246.537.6.1506.15007.2024.11.28',
  body: {
    xhtml: xhtml('Lapsiperheiden palvelujen asiakassuunnitelma'),
    json: { lapsiperheiden_palvelujen_asiakassuunnitelma: { suunnitelma: { kuvaus_asiakkaan_tilanteesta: 'Synteettinen testiteksti' }, paivamaara: '2026-09-15' } },
  },
} satisfies JsonDocumentSubmissionInput;

/** Version 2 of that plan: names the set and the version it replaces (ids as the first receipt gave them). */
export const CLIENT_PLAN_VERSION_EXAMPLE = {
  ...CLIENT_PLAN_EXAMPLE,
  submissionKey: 'region-plan-2026-0001-v2',
  effectiveTime: '2026-10-01T10:30:00+03:00',
  version: { setId: '1.2.246.10.11111111.95.2026.1002', parentId: '1.2.246.10.11111111.95.2026.1002', versionNumber: 2 },
  body: {
    xhtml: xhtml('Lapsiperheiden palvelujen asiakassuunnitelma (päivitetty)'),
    json: { lapsiperheiden_palvelujen_asiakassuunnitelma: { suunnitelma: { kuvaus_asiakkaan_tilanteesta: 'Päivitetty synteettinen testiteksti' }, paivamaara: '2026-10-01' } },
  },
} satisfies JsonDocumentSubmissionInput;

export const JSON_DOCUMENT_EXAMPLES = {
  clientRelationship: { summary: 'Asiakkuusasiakirja opening a registry-use right', value: CLIENT_RELATIONSHIP_EXAMPLE },
  clientPlan: { summary: 'A client plan, version 1', value: CLIENT_PLAN_EXAMPLE },
  clientPlanVersion: { summary: 'A new version of the client plan', value: CLIENT_PLAN_VERSION_EXAMPLE },
} as const;

/** The submission schema with its description and examples (zod-openapi reads `.meta`). */
export const JsonDocumentSubmissionSchema = SubmissionObject.meta({
  id: 'JsonDocumentSubmission',
  description: 'A social-welfare document as metadata + XHTML view + structured JSON; the gateway builds the Kanta CDA R2, mints its id and treats it like a CDA submission.',
  example: CLIENT_RELATIONSHIP_EXAMPLE,
  examples: [CLIENT_RELATIONSHIP_EXAMPLE, CLIENT_PLAN_EXAMPLE, CLIENT_PLAN_VERSION_EXAMPLE],
});
