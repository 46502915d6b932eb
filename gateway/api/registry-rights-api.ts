// Registry-use rights set over the API by an organizer (PUT) and read back by it and the providers it
// names (GET). The client's hetu arrives in the request and is hashed at once; it is never echoed.
import { z } from 'zod';
import { HETU_ROOT, calendarDate, isoDateTime, oid } from './common-schemas.ts';
import { defineRoute } from './route-spec.ts';

const TAGS = ['registry-rights'] as const;

// The shape only; gateway/routing/extract-rights.ts (validateRightEntries) still checks calendar
// validity and end ≥ start, with the same REQUEST_INVALID.
const rightPeriodInput = z.strictObject({
  unit: oid('Provider service unit OID.'),
  start: calendarDate('First day, inclusive (Finnish calendar date).'),
  end: calendarDate('Last day, inclusive; absent or null while open.').nullable().optional(),
});
const rightEntriesInput = z
  .record(z.string().regex(/^\d+$/, 'service task code must be numeric'), z.array(rightPeriodInput))
  .meta({ description: 'Periods per service task code (palvelutehtävä): which provider units may write, from when to when.' });

const rightPeriodOutput = z.object({ unit: z.string(), start: z.string(), end: z.string().optional() });
const rightEntriesOutput = z.record(z.string(), z.array(rightPeriodOutput)).meta({ id: 'RightEntries', description: 'Periods per service task code.' });

const rightSourceSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('document'), documentId: z.string(), setId: z.string(), versionNumber: z.number().int() }),
    z.object({ kind: z.literal('api'), by: z.string().meta({ description: 'The tenant that set it.' }) }),
  ])
  .meta({ id: 'RightSource', description: 'Where the right state came from: a client-relationship document that passed through the gateway, or this API.' });

const clientInput = z.object({
  root: oid(`Identifier root; default ${HETU_ROOT} (personal identity code).`).optional(),
  extension: z.string().min(1).max(64).meta({ description: 'The identifier. A hetu must pass its checksum (else INTAKE_INVALID_HETU); it is never stored or echoed.' }),
});

export const putRegistryRightsSpec = defineRoute({
  operationId: 'putRegistryRights',
  method: 'put',
  path: '/v1/registry-rights',
  summary: 'Set an organizer\'s registry-use rights for one client',
  description: 'For organizers whose client-relationship documents do not pass through the gateway. Only a tenant acting for the organizer may set them; the new state replaces the old and is written to the usage log.',
  tags: TAGS,
  auth: 'tenant',
  request: {
    body: {
      mediaTypes: ['application/json'],
      schema: z.object({ organizer: oid('The organizer (järjestäjä) whose registry the rights are for.'), client: clientInput, entries: rightEntriesInput }),
      description: 'The organizer, the client and the complete right state.',
      required: true,
      parse: 'json',
    },
  },
  responses: {
    200: {
      description: 'The state now in force.',
      content: { 'application/json': z.object({ organizer: z.string(), effectiveAt: isoDateTime('When the state took effect.'), source: rightSourceSchema, entries: rightEntriesOutput }) },
    },
  },
  errors: ['INTAKE_INVALID_HETU', 'ROUTE_UNKNOWN_ORGANISATION', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
});

const rightViewSchema = z.object({
  organizer: z.string(),
  role: z.enum(['organizer', 'provider']).meta({ description: 'organizer: the whole state; provider: only the periods of the caller\'s own units.' }),
  effectiveAt: isoDateTime('When the current state took effect.'),
  source: z.union([rightSourceSchema, z.object({ kind: z.enum(['document', 'api']) })]).meta({ description: 'A provider sees only the kind.' }),
  entries: rightEntriesOutput,
  history: z
    .array(z.object({ effectiveAt: z.string(), source: rightSourceSchema.optional(), entries: rightEntriesOutput }))
    .optional()
    .meta({ description: 'With history=true: every change (a provider sees only those that changed its own periods, without source).' }),
});

const rightsAnswer = {
  200: { description: 'The rights the caller may see.', content: { 'application/json': z.object({ client: z.object({ root: z.string() }), rights: z.array(rightViewSchema) }) } },
} as const;

export const searchRegistryRightsSpec = defineRoute({
  operationId: 'searchRegistryRights',
  method: 'post',
  path: '/v1/registry-rights/search',
  summary: 'Read the registry-use rights of one client visible to the caller (client in the body)',
  description:
    'A read, sent as POST so the client identifier travels in the body and never in a URL that proxies log. ' +
    'Anyone who is neither the organizer nor a named provider gets 404, so the answer does not reveal whether a client has rights. Each read is written to the usage log.',
  tags: TAGS,
  auth: 'tenant',
  request: {
    body: {
      mediaTypes: ['application/json'],
      schema: z.strictObject({
        client: clientInput,
        organizer: oid('Only this organizer\'s rights.').optional(),
        history: z.boolean().optional().meta({ description: 'true adds each right\'s history.' }),
      }),
      description: 'The client, and optionally one organizer and whether to include history.',
      required: true,
      parse: 'json',
    },
  },
  responses: rightsAnswer,
  errors: ['INTAKE_INVALID_HETU', 'NOT_FOUND', 'QUEUE_UNAVAILABLE', 'AUDIT_APPEND_CONTENDED'],
});

/** The former read with the client in the query string: kept only to answer where the read moved. */
export const getRegistryRightsSpec = defineRoute({
  operationId: 'getRegistryRights',
  method: 'get',
  path: '/v1/registry-rights',
  summary: 'Moved: answers 400 REQUEST_CLIENT_IN_URL; use POST /v1/registry-rights/search',
  description: 'The client identifier (a hetu) must not travel in a URL, where any reverse proxy logs it. This route answers 400 REQUEST_CLIENT_IN_URL whatever the query; the value is neither echoed nor logged.',
  tags: TAGS,
  auth: 'tenant',
  responses: {},
  errors: ['REQUEST_CLIENT_IN_URL'],
});
