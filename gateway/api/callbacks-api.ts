// Callback dead letters (issue 12 item 3, docs/callbacks.md): what was given up on, for operators
// (every tenant, and redelivery) and for each tenant (its own only).
import { z } from 'zod';
import { CALLBACK_EVENT_TYPES } from '../../config/schema.ts';
import { errorCodeSchema, isoDateTime } from './common-schemas.ts';
import { defineRoute, type RouteSpec } from './route-spec.ts';

const tenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant id is lowercase letters, digits and dashes');
const limit = z.coerce.number().int().min(1).max(1_000).default(100).meta({ description: 'At most this many entries (default 100).' });

export const deadLetterSchema = z
  .object({
    id: z.string().meta({ description: 'The delivery id (event id and receiver), for redelivery.' }),
    tenant: z.string(),
    eventId: z.string().meta({ description: 'The event id the receiver dedupes on (Kanta-Gateway-Event-Id).' }),
    type: z.enum(CALLBACK_EVENT_TYPES),
    documentId: z.string(),
    receiver: z.string().meta({ description: 'The receiver URL without its query string (which may carry a token).' }),
    attempts: z.number().int(),
    createdAt: isoDateTime('When the delivery was queued.'),
    lastAttemptAt: isoDateTime('When it was last tried.').optional(),
    deadAt: isoDateTime('When it was given up.'),
    lastError: z.object({ code: errorCodeSchema, status: z.number().int().optional(), message: z.string() }).optional(),
  })
  .meta({ id: 'CallbackDeadLetter', description: 'A callback given up after callbacks.maxAttempts attempts.' });

const page = z.object({ total: z.number().int().meta({ description: 'Dead letters of the tenant in all.' }), items: z.array(deadLetterSchema).meta({ description: 'Newest first.' }) });

export const opsDeadLettersSpec = defineRoute({
  operationId: 'getCallbackDeadLetters',
  method: 'get',
  path: '/v1/ops/callbacks/dead-letters',
  summary: 'Callbacks given up on, per tenant',
  tags: ['ops', 'callbacks'],
  auth: 'ops',
  request: { query: z.object({ tenant: tenantId.optional().meta({ description: 'Only this tenant.' }), limit }) },
  responses: {
    200: { description: 'Per tenant with callbacks: how many, and the newest.', content: { 'application/json': z.object({ tenants: z.array(page.extend({ tenant: z.string() })) }) } },
  },
  errors: ['NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const redeliverBodySchema = z.strictObject({
  tenant: tenantId,
  ids: z.array(z.string().min(1).max(300)).min(1).max(1_000).optional().meta({ description: 'These dead letters; absent: the oldest `limit` of the tenant.' }),
  limit: z.number().int().min(1).max(10_000).default(1_000),
});

export const opsRedeliverSpec = defineRoute({
  operationId: 'redeliverCallbackDeadLetters',
  method: 'post',
  path: '/v1/ops/callbacks/dead-letters/redeliver',
  summary: 'Send dead-lettered callbacks again',
  description: 'Each goes back to the queue with its attempts reset; the body and event id stay the same, so a receiver can drop one it had after all.',
  tags: ['ops', 'callbacks'],
  auth: 'operator',
  request: { body: { mediaTypes: ['application/json'], schema: redeliverBodySchema, description: 'Which dead letters.', required: true, parse: 'json' } },
  responses: { 200: { description: 'What was queued again (ids not in the dead-letter list are left out).', content: { 'application/json': z.object({ tenant: z.string(), count: z.number().int(), ids: z.array(z.string()) }) } } },
  errors: ['NOT_FOUND', 'QUEUE_UNAVAILABLE'],
});

export const tenantDeadLettersSpec = defineRoute({
  operationId: 'getOwnCallbackDeadLetters',
  method: 'get',
  path: '/v1/callbacks/dead-letters',
  summary: 'The calling tenant\'s callbacks that were given up on',
  description: 'The documents themselves can still be read with GET /v1/documents/{id}.',
  tags: ['callbacks'],
  auth: 'tenant',
  request: { query: z.object({ limit }) },
  responses: { 200: { description: 'How many, and the newest.', content: { 'application/json': page } } },
  errors: ['QUEUE_UNAVAILABLE'],
});

export const CALLBACK_SPECS: readonly RouteSpec[] = [opsDeadLettersSpec, opsRedeliverSpec, tenantDeadLettersSpec];
