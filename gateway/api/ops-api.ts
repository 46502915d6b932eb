// Operator API (ops: either role reads; operator: the operator role acts): queues, pausing and resuming controllers and tenants, reruns, configuration.
import { z } from 'zod';
import { isoDateTime, oid } from './common-schemas.ts';
import { documentStatusBodySchema } from './documents-api.ts';
import { defineRoute, type RouteSpec } from './route-spec.ts';

const TAGS = ['ops'] as const;

export const opsQueuesSpec = defineRoute({
  operationId: 'getOpsQueues',
  method: 'get',
  path: '/v1/ops/queues',
  summary: 'Queues, pauses, circuits, open documents and Redis bytes per open document',
  tags: TAGS,
  auth: 'ops',
  responses: {
    200: {
      description: 'The current state.',
      content: {
        'application/json': z.object({
          queues: z.record(z.string(), z.record(z.string(), z.number().int())).meta({ description: 'Job counts per queue (intake.<tenant>, lane.<access point>.<controller>) and state.' }),
          pausedControllers: z.array(z.string()),
          pausedTenants: z.array(z.string()),
          parkedLanes: z.record(z.string(), z.unknown()).meta({ description: 'Lanes parked because the archive refused their whole controller, with why.' }),
          circuits: z.record(z.string(), z.enum(['closed', 'open', 'half-open'])).meta({ description: 'Circuit breaker per access point.' }),
          openDocuments: z.number().int(),
          redisMemoryPerOpenDocument: z
            .object({ sampled: z.number().int(), averageBytes: z.number().int(), averageDocumentBytes: z.number().int() })
            .nullable()
            .meta({ description: 'Sampled MEMORY USAGE of open documents\' keys; null when none is open.' }),
        }),
      },
    },
  },
  errors: [],
});

const controllerParams = z.object({ oid: oid('The controller (registry) OID.') });
const tenantParams = z.object({ id: z.string().regex(/^[a-z0-9-]+$/, 'tenant id is lowercase letters, digits and dashes').meta({ description: 'The tenant id.' }) });
const controllerState = z.object({ controller: z.string(), state: z.enum(['paused', 'running']) });
const tenantState = z.object({ tenant: z.string(), state: z.enum(['paused', 'running']) });

function pauseSpec<const A extends 'pause' | 'resume'>(action: A) {
  const verb = action === 'pause' ? 'Pause' : 'Resume';
  return {
    controller: defineRoute({
      operationId: `${action}Controller`,
      method: 'post',
      path: `/v1/ops/controllers/:oid/${action}`,
      summary: action === 'pause' ? 'Pause a controller: its documents wait, others flow' : 'Resume a paused controller',
      tags: TAGS,
      auth: 'operator',
      request: { params: controllerParams },
      responses: { 200: { description: `${verb}d.`, content: { 'application/json': controllerState } } },
      errors: ['OPS_UNKNOWN_CONTROLLER', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
    }),
    tenant: defineRoute({
      operationId: `${action}Tenant`,
      method: 'post',
      path: `/v1/ops/tenants/:id/${action}`,
      summary: action === 'pause' ? 'Pause a tenant: its documents wait' : 'Resume a paused tenant',
      tags: TAGS,
      auth: 'operator',
      request: { params: tenantParams },
      responses: { 200: { description: `${verb}d.`, content: { 'application/json': tenantState } } },
      errors: ['OPS_UNKNOWN_TENANT', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
    }),
  };
}

export const pauseSpecs = pauseSpec('pause');
export const resumeSpecs = pauseSpec('resume');

const rerunFilterFields = {
  code: z.string().optional().meta({ description: 'Only documents parked with this code.' }),
  tenant: z.string().optional(),
  controller: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Lower bound on acceptedAt.' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Upper bound on acceptedAt.' }),
};

export const rerunBodySchema = z
  .strictObject({
    ...rerunFilterFields,
    limit: z.number().int().min(1).max(100_000).optional().meta({ description: 'At most this many (default and most: 100 000).' }),
    documents: z
      .array(z.strictObject({ tenant: z.string().min(1), documentId: z.string().min(1) }))
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'Rerun exactly these documents (those still parked) instead of a filter.' }),
  })
  .refine((b) => !b.documents || Object.keys(b).every((k) => k === 'documents'), { message: 'give either documents or filter fields, not both', path: ['documents'] });

export const rerunPreviewBodySchema = z.strictObject({ ...rerunFilterFields, limit: z.number().int().min(1).max(100_000).optional().meta({ description: 'Count at most this many (default 100 000).' }) });

const rerunRequestSchema = z.union([
  z.object({ filter: z.object(rerunFilterFields), limit: z.number().int() }),
  z.object({ documents: z.array(z.object({ tenant: z.string(), documentId: z.string() })) }),
]);

export const opsTaskSchema = z
  .object({
    id: z.string(),
    kind: z.literal('rerun'),
    state: z.enum(['running', 'done', 'failed']),
    by: z.string().meta({ description: 'The operator who started it.' }),
    request: rerunRequestSchema,
    selected: z.number().int().meta({ description: 'Documents selected (parked when the task looked).' }),
    rerun: z.number().int().meta({ description: 'Put back on their way so far.' }),
    skipped: z.number().int().meta({ description: 'Selected, but no longer parked when their turn came.' }),
    createdAt: isoDateTime('When the task was started.'),
    updatedAt: isoDateTime('Last progress.'),
    error: z.string().optional(),
  })
  .meta({ id: 'OpsTask', description: 'A background operator task and its progress.' });

export const opsRerunSpec = defineRoute({
  operationId: 'rerunParked',
  method: 'post',
  path: '/v1/ops/rerun',
  summary: 'Rerun parked documents matching a filter, or the listed ones, as a background task',
  description:
    'Answers 202 at once with the task; follow it with GET /v1/ops/tasks/{id}. Each rerun document gets run+1 and is queued again; each is written to the usage log under the operator\'s name. The task state is in Redis: any gateway process reports it, and a task whose process died is taken over by the next process that starts (documents already rerun are no longer parked, so nothing runs twice). Preview first with POST /v1/ops/rerun/preview.',
  tags: TAGS,
  auth: 'operator',
  request: {
    body: { mediaTypes: ['application/json'], schema: rerunBodySchema, description: 'The filter (absent or {}: every parked document, up to the limit) or a list of documents.', required: false, parse: 'json' },
  },
  responses: {
    202: { description: 'Started.', content: { 'application/json': z.object({ task: opsTaskSchema, statusUrl: z.string() }) } },
  },
  errors: ['QUEUE_UNAVAILABLE'],
});

const reloadResult = z.object({
  ok: z.boolean(),
  version: z.string().optional().meta({ description: 'The version now in force.' }),
  changed: z.boolean().optional().meta({ description: 'Whether the file differed from the version in force.' }),
  error: z.string().optional().meta({ description: 'Why the file was refused.' }),
  keptVersion: z.string().optional().meta({ description: 'The version that stays in force.' }),
});

export const opsConfigReloadSpec = defineRoute({
  operationId: 'reloadConfig',
  method: 'post',
  path: '/v1/ops/config/reload',
  summary: 'Reload the configuration file',
  description: 'A file that does not validate is refused as a whole: the version in force stays.',
  tags: TAGS,
  auth: 'operator',
  responses: {
    200: { description: 'Loaded (or unchanged).', content: { 'application/json': reloadResult } },
    422: { description: 'Refused; the previous version stays in force.', content: { 'application/json': reloadResult } },
  },
  errors: [],
});

export const opsConfigSpec = defineRoute({
  operationId: 'getConfigInfo',
  method: 'get',
  path: '/v1/ops/config',
  summary: 'The configuration in force',
  tags: TAGS,
  auth: 'ops',
  responses: {
    200: {
      description: 'Version, file and load time.',
      content: {
        'application/json': z.object({
          version: z.string(),
          file: z.string(),
          loadedAt: isoDateTime('When this version was loaded.'),
          lastReloadError: z.string().optional().meta({ description: 'Why the last reload was refused, while the refused file is still in place.' }),
        }),
      },
    },
  },
  errors: [],
});

// --- ops console (issue 15): overview, document view, parked list, rerun preview and tasks, certificates, config dry run
const finishRateSchema = z.object({ archivedPerMinute: z.number(), parkedPerMinute: z.number(), rejectedPerMinute: z.number() });

export const opsOverviewSpec = defineRoute({
  operationId: 'getOpsOverview',
  method: 'get',
  path: '/v1/ops/overview',
  summary: 'Per send lane and tenant: names, depth, oldest waiting age, in flight, circuit, paused, parked by code, rate',
  description: 'Parked counts come from a background scan at most a minute old; rates are this process\'s, over the last five minutes.',
  tags: TAGS,
  auth: 'ops',
  responses: {
    200: {
      description: 'The overview.',
      content: {
        'application/json': z.object({
          lanes: z.array(
            z.object({
              accessPoint: z.string(),
              controller: z.string(),
              controllerName: z.string().optional(),
              depth: z.number().int(),
              oldestWaitingAgeSeconds: z.number().int().meta({ description: 'Seconds since acceptance of the oldest document still waiting.' }),
              inFlight: z.number().int(),
              circuit: z.enum(['closed', 'open', 'half-open']),
              paused: z.boolean(),
              parkedLaneCode: z.string().optional().meta({ description: 'Set while the archive refused the controller as a whole.' }),
              parkedByCode: z.record(z.string(), z.number().int()),
              rate: finishRateSchema.optional(),
            }),
          ),
          tenants: z.array(z.object({ tenant: z.string(), name: z.string().optional(), depth: z.number().int(), oldestWaitingAgeSeconds: z.number().int(), inFlight: z.number().int(), paused: z.boolean() })),
          parkedTotal: z.number().int(),
          backlogAgeLimitSeconds: z.number(),
          at: isoDateTime('When this was read.'),
        }),
      },
    },
  },
  errors: ['QUEUE_UNAVAILABLE'],
});

export const opsDocumentSchema = documentStatusBodySchema
  .extend({
    tenant: z.string(),
    accessPoint: z.string(),
    operation: z.enum(['archive', 'version', 'void']),
    documentGroup: z.string(),
    writerOrganisation: z.string(),
    size: z.number().int().meta({ description: 'Bytes as submitted.' }),
  })
  .meta({ id: 'OpsDocument', description: 'A document\'s processing data for an operator; never its content or client.' });

export const opsDocumentSpec = defineRoute({
  operationId: 'getOpsDocument',
  method: 'get',
  path: '/v1/ops/documents/:id',
  summary: 'One document\'s processing data (any tenant): status, routing decision, signature receipt, ack, history',
  description: 'By document id (OID) or submission id. Never the content or the client. The read is written to the usage log under the operator\'s name.',
  tags: TAGS,
  auth: 'ops',
  request: { params: z.object({ id: z.string().min(1).max(200).meta({ description: 'The document id (OID) or the submissionId (UUID).' }) }) },
  responses: { 200: { description: 'The document.', content: { 'application/json': opsDocumentSchema } } },
  errors: ['NOT_FOUND', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
});

const parkedRowSchema = z.object({
  tenant: z.string(),
  documentId: z.string(),
  submissionId: z.string(),
  controller: z.string(),
  accessPoint: z.string(),
  code: z.string().optional(),
  text: z.string().optional(),
  acceptedAt: isoDateTime('When it was accepted.'),
  updatedAt: isoDateTime('When it was parked.'),
  run: z.number().int(),
  attempts: z.number().int(),
});

export const opsParkedSpec = defineRoute({
  operationId: 'listParked',
  method: 'get',
  path: '/v1/ops/parked',
  summary: 'Parked documents, filtered and paged',
  description: 'A scan of the records (parked documents have no index): a page costs a scan up to its last row.',
  tags: TAGS,
  auth: 'ops',
  request: {
    query: z.object({
      ...rerunFilterFields,
      offset: z.coerce.number().int().min(0).max(100_000).default(0),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: { 200: { description: 'One page.', content: { 'application/json': z.object({ documents: z.array(parkedRowSchema), offset: z.number().int(), limit: z.number().int(), more: z.boolean() }) } } },
  errors: ['QUEUE_UNAVAILABLE'],
});

export const opsRerunPreviewSpec = defineRoute({
  operationId: 'previewRerun',
  method: 'post',
  path: '/v1/ops/rerun/preview',
  summary: 'How many parked documents a rerun with this filter would take, by code and controller',
  tags: TAGS,
  auth: 'ops',
  request: { body: { mediaTypes: ['application/json'], schema: rerunPreviewBodySchema, description: 'The filter, as for POST /v1/ops/rerun.', required: false, parse: 'json' } },
  responses: {
    200: {
      description: 'The preview; nothing was changed.',
      content: { 'application/json': z.object({ count: z.number().int(), byCode: z.record(z.string(), z.number().int()), byController: z.record(z.string(), z.number().int()), capped: z.boolean(), limit: z.number().int() }) },
    },
  },
  errors: ['QUEUE_UNAVAILABLE'],
});

export const opsTaskSpec = defineRoute({
  operationId: 'getOpsTask',
  method: 'get',
  path: '/v1/ops/tasks/:id',
  summary: 'A background operator task (rerun) and its progress',
  tags: TAGS,
  auth: 'ops',
  request: { params: z.object({ id: z.uuid().meta({ description: 'The task id from POST /v1/ops/rerun.' }) }) },
  responses: { 200: { description: 'The task.', content: { 'application/json': opsTaskSchema } } },
  errors: ['OPS_TASK_NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const opsCertificatesSpec = defineRoute({
  operationId: 'getOpsCertificates',
  method: 'get',
  path: '/v1/ops/certificates',
  summary: 'Every certificate the gateway depends on, with days to expiry',
  tags: TAGS,
  auth: 'ops',
  responses: {
    200: {
      description: 'Signing identities and access-point TLS client certificates.',
      content: {
        'application/json': z.object({
          certificates: z.array(
            z.object({
              identityId: z.string(),
              usage: z.string(),
              organisation: z.string().optional(),
              subject: z.string(),
              issuer: z.string(),
              serial: z.string(),
              notAfter: z.string(),
              daysLeft: z.number().int(),
              active: z.boolean(),
              state: z.enum(['valid', 'expired', 'not-yet-valid']),
            }),
          ),
        }),
      },
    },
  },
  errors: [],
});

export const opsConfigDryRunSpec = defineRoute({
  operationId: 'configDryRun',
  method: 'post',
  path: '/v1/ops/config/dry-run',
  summary: 'Check a candidate configuration file without applying it',
  description: 'The same checks a reload makes; relative file references resolve against the directory of the configuration in force. For which routing decisions it would change, see POST /v1/routing/dry-run.',
  tags: TAGS,
  auth: 'ops',
  request: { body: { mediaTypes: ['application/yaml', 'text/yaml', 'text/plain'], schema: z.string().meta({ description: 'The YAML (or JSON) file.' }), description: 'The candidate file, at most 1 MiB.', required: true, parse: 'raw' } },
  responses: {
    200: {
      description: 'The report; ok false lists every issue.',
      content: {
        'application/json': z.object({
          ok: z.boolean(),
          version: z.string().optional(),
          currentVersion: z.string(),
          changed: z.boolean().optional(),
          changedSections: z.array(z.string()).optional(),
          counts: z.record(z.string(), z.number().int()).optional(),
          issues: z.array(z.object({ path: z.string(), reason: z.string() })),
        }),
      },
    },
  },
  errors: ['REQUEST_INVALID', 'INTAKE_BODY_TOO_LARGE'],
});

export const OPS_SPECS: readonly RouteSpec[] = [
  opsQueuesSpec,
  pauseSpecs.controller,
  resumeSpecs.controller,
  pauseSpecs.tenant,
  resumeSpecs.tenant,
  opsRerunSpec,
  opsConfigReloadSpec,
  opsConfigSpec,
  // --- ops console (issue 15)
  opsOverviewSpec,
  opsDocumentSpec,
  opsParkedSpec,
  opsRerunPreviewSpec,
  opsTaskSpec,
  opsCertificatesSpec,
  opsConfigDryRunSpec,
];
