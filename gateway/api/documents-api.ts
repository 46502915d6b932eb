// Documents: intake (POST /v1/documents, raw CDA XML) and a document's progress (GET /v1/documents/:id).
import { z } from 'zod';
import type { AckRecord, DocumentStatus, HistoryEvent } from '../../domain/document-record.ts';
import type { SignatureReceipt } from '../../domain/signature-receipt.ts';
import { DOCUMENT_OPERATIONS } from '../../domain/values.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import type { Receipt } from '../routes/receipt.ts';
import { routingDecisionSchema, isoDateTime, type Assert, type Mirrors } from './common-schemas.ts';
import { defineRoute } from './route-spec.ts';
import { CDA_XML_MEDIA_TYPE } from '../../adapters/intake/cda-xml.ts';
import { JSON_DOCUMENT_MEDIA_TYPE } from '../../adapters/intake/json-document.ts';
import { JsonDocumentSubmissionSchema } from '../../adapters/intake/json-document-schema.ts';

const INTAKE_MEDIA_TYPES = [CDA_XML_MEDIA_TYPE, JSON_DOCUMENT_MEDIA_TYPE];

const TAGS = ['documents'] as const;

const DOCUMENT_STATUSES = ['accepted', 'signed', 'sending', 'archived', 'parked', 'rejected'] as const satisfies readonly DocumentStatus[];
export type _StatusesComplete = Assert<Mirrors<{ [K in (typeof DOCUMENT_STATUSES)[number]]: 1 }, { [K in DocumentStatus]: 1 }>>;

const documentStatusSchema = z.enum(DOCUMENT_STATUSES).meta({
  description: 'accepted → signed → sending → archived; parked (needs an operator rerun) and rejected (the archive refused it) are final until rerun.',
});

export const receiptSchema = z
  .object({
    submissionId: z.string().meta({ description: 'UUID of this submission; GET /v1/documents/{id} takes it as well as the document id.' }),
    documentId: z.string().meta({ description: 'The CDA document id (OID).' }),
    setId: z.string(),
    version: z.number().int().meta({ description: 'CDA versionNumber.' }),
    controller: z.string().meta({ description: 'Rekisterinpitäjä: the registry the document goes into.' }),
    status: documentStatusSchema,
    statusUrl: z.string().meta({ description: 'Where to follow the document.' }),
    acceptedAt: isoDateTime('When the gateway accepted the document.'),
    routing: routingDecisionSchema,
  })
  .meta({ id: 'Receipt', description: 'What the gateway accepted and where the document goes.' });
export type _ReceiptMirrors = Assert<Mirrors<z.output<typeof receiptSchema>, Receipt>>;


/** Codes of one catalogue area, e.g. every ROUTE_* code. */
function codesOfArea(prefix: string): ErrorCode[] {
  return (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter((c) => c.startsWith(prefix));
}

/**
 * POST /v1/documents in its intake formats (gateway/intake/formats.ts): a bare CDA (XML) or a JSON
 * submission from which the gateway builds the CDA. The route validates the headers against this spec
 * before the body is read (a repeated Kanta-Operation is refused even earlier, REQUEST_HEADER_INVALID).
 */
export const intakeSpec = defineRoute({
  operationId: 'submitDocument',
  method: 'post',
  path: '/v1/documents',
  summary: 'Submit a CDA R2 document for archiving',
  description:
    'Parses the CDA header, decides the registry (routing and registry-use rights), stores the document and queues it for signing and sending. ' +
    'Every refusal happens before anything is stored. Resubmitting identical bytes answers 200 with the existing receipt; the same document id with other content is 409.',
  tags: TAGS,
  auth: 'tenant',
  request: {
    headers: z.object({
      'Content-Type': z
        .string()
        .refine((v) => INTAKE_MEDIA_TYPES.some((t) => t.test(v)), 'must be application/xml, text/xml, a +xml type or application/json')
        .meta({ description: 'application/xml, text/xml or a +xml type (a CDA document), or application/json (a JSON submission); UTF-8 only.', 'x-error-code': 'INTAKE_UNSUPPORTED_MEDIA_TYPE' }),
      'Kanta-Operation': z
        .preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v), z.enum(DOCUMENT_OPERATIONS).optional())
        .meta({
          description: 'archive (a new document, versionNumber 1), version (replaces its RPLC parent) or void (nullifies it); case-insensitive, given once (a repeated header is REQUEST_HEADER_INVALID). Absent: archive for versionNumber 1, else version.',
          'x-error-code': 'INTAKE_UNKNOWN_OPERATION',
        }),
      'Kanta-Actor-Id': z.string().optional().meta({ description: 'The acting person (authorOrPerformer in the Kanta frame) as root^extension; with Kanta-Actor-Family, -Given, -Unit, -Unit-Name (percent-encoded UTF-8).' }),
    }),
    body: {
      mediaTypes: ['application/xml', 'text/xml', 'application/json'],
      schema: z.string().meta({ description: 'An HL7 CDA R2 ClinicalDocument (urn:hl7-org:v3), UTF-8, no DOCTYPE; at most gateway.bodyLimitBytes.' }),
      schemaByMediaType: { 'application/json': JsonDocumentSubmissionSchema },
      description: 'The CDA document as XML, or a JSON submission the gateway builds the CDA from (docs/json-intake.md).',
      required: true,
      parse: 'raw',
    },
  },
  responses: {
    202: {
      description: 'Accepted and queued.',
      content: { 'application/json': receiptSchema },
      headers: z.object({ Location: z.string().meta({ description: 'The status URL of the document.' }) }),
    },
    200: { description: 'The same bytes were already submitted: the existing receipt.', content: { 'application/json': receiptSchema } },
  },
  errors: [...codesOfArea('INTAKE_'), ...codesOfArea('ROUTE_'), ...codesOfArea('RIGHT_'), 'REQUEST_TIMEOUT', 'REQUEST_HEADER_INVALID', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
});

const historyEventSchema = z.object({
  at: isoDateTime('When it happened.'),
  status: z.enum([...DOCUMENT_STATUSES, 'rerun', 'retry', 'waiting']),
  code: z.string().optional(),
  text: z.string().optional(),
  attempt: z.number().int().optional(),
  messageId: z.string().optional(),
  run: z.number().int().optional(),
  by: z.string().optional().meta({ description: 'Operator id, for a rerun.' }),
  // Kanta-native intake (issue 12)
  tenantMessageId: z.string().optional().meta({ description: "On 'accepted' of a Kanta-native submission: the tenant's own message id (root^extension); the sends' messageId are the gateway's." }),
});
export type _HistoryMirrors = Assert<Mirrors<z.output<typeof historyEventSchema>, HistoryEvent>>;

const signatureSchema = z.object({
  signatureId: z.string(),
  timestampId: z.string(),
  signedAt: isoDateTime('signatureTimestamp (UTC).'),
  bodyId: z.string(),
  bodyDigest: z.string().meta({ description: 'SHA-256 (base64) of the signed body reference.' }),
  signer: z.object({ subject: z.string(), serialNumber: z.string().optional(), issuer: z.string(), certificateSerial: z.string(), notAfter: z.string() }),
  origin: z.literal('document').optional().meta({ description: "The document's own system signature of its custodian, kept; the gateway added none (signer.addSystemSignature: whenMissing)." }),
  selfCheck: z.enum(['passed', 'not-run']),
});
export type _SignatureMirrors = Assert<Mirrors<z.output<typeof signatureSchema>, SignatureReceipt>>;

const ackSchema = z.object({
  action: z.enum(['archived', 'retry', 'park', 'reject', 'park-controller']),
  messageId: z.string(),
  code: z.string().optional(),
  text: z.string().optional(),
  typeCode: z.string().optional().meta({ description: 'AA, AE or AR.' }),
  details: z.array(z.object({ typeCode: z.string().optional(), code: z.string().optional(), text: z.string().optional() })).optional(),
});
export type _AckMirrors = Assert<Mirrors<z.output<typeof ackSchema>, AckRecord>>;

export const documentStatusBodySchema = receiptSchema
  .extend({
    code: z.string().optional().meta({ description: 'Why it is parked, rejected or retried: a catalogue code (KANTA_*, SIGN_*, QUEUE_*) or the archive\'s detail code.' }),
    text: z.string().optional(),
    updatedAt: isoDateTime('Last status change.'),
    attempts: z.number().int().meta({ description: 'Sends to the archive tried.' }),
    run: z.number().int().meta({ description: 'Operator reruns so far.' }),
    dependsOn: z.array(z.string()).meta({ description: 'Documents that must be archived before this one is sent.' }),
    signature: signatureSchema.optional(),
    ack: ackSchema.optional().meta({ description: 'The archive\'s answer to the last send.' }),
    history: z.array(historyEventSchema),
    redisBytes: z.number().int().meta({ description: 'Redis memory the document\'s keys take.' }),
  })
  .meta({ id: 'DocumentStatus', description: 'The receipt with the document\'s progress.' });

export const documentStatusSpec = defineRoute({
  operationId: 'getDocumentStatus',
  method: 'get',
  path: '/v1/documents/:id',
  summary: 'A document\'s progress, to the tenant that sent it',
  description: 'Another tenant\'s document is 404, not 403: the API does not confirm that it exists. The read is written to the usage log.',
  tags: TAGS,
  auth: 'tenant',
  request: {
    params: z.object({ id: z.string().min(1).meta({ description: 'The document id (OID) or the submissionId (UUID) of the receipt.' }) }),
  },
  responses: {
    200: { description: 'The document\'s receipt, progress and history.', content: { 'application/json': documentStatusBodySchema } },
  },
  errors: ['NOT_FOUND', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
});
