// Operator API (ops role): queues, pausing and resuming controllers and tenants, reruns, configuration.
import { z } from 'zod';
import { isoDateTime, oid } from './common-schemas.ts';
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
      auth: 'ops',
      request: { params: controllerParams },
      responses: { 200: { description: `${verb}d.`, content: { 'application/json': controllerState } } },
      errors: ['QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
    }),
    tenant: defineRoute({
      operationId: `${action}Tenant`,
      method: 'post',
      path: `/v1/ops/tenants/:id/${action}`,
      summary: action === 'pause' ? 'Pause a tenant: its documents wait' : 'Resume a paused tenant',
      tags: TAGS,
      auth: 'ops',
      request: { params: tenantParams },
      responses: { 200: { description: `${verb}d.`, content: { 'application/json': tenantState } } },
      errors: ['QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
    }),
  };
}

export const pauseSpecs = pauseSpec('pause');
export const resumeSpecs = pauseSpec('resume');

export const rerunBodySchema = z.strictObject({
  code: z.string().optional().meta({ description: 'Only documents parked with this code.' }),
  tenant: z.string().optional(),
  controller: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Lower bound on acceptedAt.' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Upper bound on acceptedAt.' }),
  limit: z.number().int().min(1).max(100_000).optional().meta({ description: 'At most this many (default 1000).' }),
});

export const opsRerunSpec = defineRoute({
  operationId: 'rerunParked',
  method: 'post',
  path: '/v1/ops/rerun',
  summary: 'Rerun parked documents matching a filter',
  description: 'Each rerun document gets run+1 and is queued again; each is written to the usage log with the operator id.',
  tags: TAGS,
  auth: 'ops',
  request: {
    body: { mediaTypes: ['application/json'], schema: rerunBodySchema, description: 'The filter; absent or {} reruns every parked document (up to the limit).', required: false, parse: 'json' },
  },
  responses: {
    200: {
      description: 'What was rerun.',
      content: {
        'application/json': z.object({
          count: z.number().int(),
          documents: z.array(z.object({ tenant: z.string(), documentId: z.string(), run: z.number().int(), previousCode: z.string().optional() })),
        }),
      },
    },
  },
  errors: ['QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
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
  auth: 'ops',
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

export const OPS_SPECS: readonly RouteSpec[] = [
  opsQueuesSpec,
  pauseSpecs.controller,
  resumeSpecs.controller,
  pauseSpecs.tenant,
  resumeSpecs.tenant,
  opsRerunSpec,
  opsConfigReloadSpec,
  opsConfigSpec,
];
