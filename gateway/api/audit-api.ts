// An organisation's usage log (käyttöloki) as NDJSON, for answering a client's request
// (asiakastietolaki 703/2023 §11).
import { z } from 'zod';
import { AUDIT_ACTIONS, type AuditRecord } from '../audit/audit-log.ts';
import { HETU_ROOT, oid, type Assert, type Mirrors } from './common-schemas.ts';
import { defineRoute } from './route-spec.ts';

/** Response header with the head the export runs up to: `<seq> sha256:<hex>` (compare with the last line). */
export const AUDIT_HEAD_HEADER = 'Audit-Chain-Head';

export const auditRecordSchema = z
  .object({
    seq: z.number().int().meta({ description: 'Position in the organisation\'s chain, from 1.' }),
    at: z.string().meta({ description: 'ISO 8601, UTC, milliseconds; never earlier than the previous record\'s.', format: 'date-time' }),
    organisation: z.string().meta({ description: 'Owner of the chain.' }),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ kind: z.enum(['tenant', 'ops', 'system']), id: z.string() }),
    controller: z.string().optional().meta({ description: 'In the acting organisation\'s copy: the controller whose chain holds the primary record.' }),
    actingOrganisation: z.string().optional(),
    documentId: z.string().optional(),
    clientKey: z.string().optional().meta({ description: 'The client as a keyed pseudonym, never the identifier itself.' }),
    code: z.string().optional(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    prev: z.string().meta({ description: 'Digest of the previous record (the genesis value for seq 1).' }),
    digest: z.string().meta({ description: 'sha256:<hex> over the canonical JSON of the record without digest (docs/audit-log.md).' }),
  })
  .meta({ id: 'AuditRecord', description: 'One chained usage-log record: one line of the export.' });
export type _AuditRecordMirrors = Assert<Mirrors<z.output<typeof auditRecordSchema>, AuditRecord>>;

const rangeFields = {
  from: z.string().min(1).optional().meta({ description: 'Inclusive lower bound on `at`: ISO 8601 date-time with offset.', format: 'date-time' }),
  to: z.string().min(1).optional().meta({ description: 'Inclusive upper bound on `at`: ISO 8601 date-time with offset.', format: 'date-time' }),
};

const exportResponses = {
  200: {
    description: 'One AuditRecord per line, in chain order (sealed segments first, then the live part in Redis), ending with this export\'s own audit-exported record.',
    content: { 'application/x-ndjson': auditRecordSchema },
    headers: z.object({ [AUDIT_HEAD_HEADER]: z.string().optional().meta({ description: '`<seq> sha256:<hex>`: the head the export runs up to.' }) }),
  },
} as const;

const exportDescription =
  'For operators and for tenants acting for the organisation. The export is itself logged first (audit-exported); if that fails nothing is disclosed. ' +
  'Entries already sealed to disk are included; those deleted by retention are not (the export then starts at the first retained seq). ' +
  'A failure after the first line cuts the stream, so a reader sees a truncated export that fails its chain check.';

export const auditExportSpec = defineRoute({
  operationId: 'exportAuditLog',
  method: 'get',
  path: '/v1/audit/:organisation',
  summary: 'Export an organisation\'s usage log as NDJSON',
  description: `${exportDescription} A client filter is not taken here: \`client\` in the query answers 400 REQUEST_CLIENT_IN_URL (a proxy would log the hetu); use POST /v1/audit/{organisation}/search.`,
  tags: ['audit'],
  auth: 'tenant-or-ops',
  request: {
    params: z.object({ organisation: oid('The organisation (controller) whose chain to export.') }),
    query: z.object(rangeFields),
  },
  responses: exportResponses,
  errors: ['AUTH_FORBIDDEN_ROLE', 'REQUEST_CLIENT_IN_URL', 'NOT_FOUND', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED', 'AUDIT_SEGMENT_UNREADABLE'],
});

export const auditSearchSpec = defineRoute({
  operationId: 'searchAuditLog',
  method: 'post',
  path: '/v1/audit/:organisation/search',
  summary: 'Export an organisation\'s usage log as NDJSON, filtered by client and time, with the client in the body',
  description: `${exportDescription} The client is compared as its pseudonym and never echoed, stored or logged.`,
  tags: ['audit'],
  auth: 'tenant-or-ops',
  request: {
    params: z.object({ organisation: oid('The organisation (controller) whose chain to export.') }),
    body: {
      mediaTypes: ['application/json'],
      schema: z.strictObject({
        ...rangeFields,
        client: z
          .strictObject({
            root: oid(`Identifier root; default ${HETU_ROOT} (personal identity code).`).optional(),
            extension: z.string().min(1).max(64).meta({ description: 'The identifier. A hetu must pass its checksum.' }),
          })
          .optional()
          .meta({ description: 'Only records about this client, plus every record about a document one of them names.' }),
      }),
      description: 'The time range and the client to filter by (all optional).',
      required: true,
      parse: 'json',
    },
  },
  responses: exportResponses,
  errors: ['AUTH_FORBIDDEN_ROLE', 'INTAKE_INVALID_HETU', 'NOT_FOUND', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED', 'AUDIT_SEGMENT_UNREADABLE'],
});
