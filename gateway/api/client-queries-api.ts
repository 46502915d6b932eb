// POST /v1/client-queries: "Hae asiakkuus" relayed for a REST tenant (docs/query-relay.md). The client
// identity travels in the JSON body, never in the URL; the answer shows what the archive let the unit
// see, narrowed to what the tenant may see (a provider: only its own units' right periods).
import { z } from 'zod';
import { HETU_ROOT, oid } from './common-schemas.ts';
import { defineRoute } from './route-spec.ts';

const personInput = (what: string) =>
  z.strictObject({
    root: oid(`Identifier root; default ${HETU_ROOT} (personal identity code).`).optional(),
    extension: z.string().min(1).max(64).meta({ description: `The ${what}'s identifier. A hetu must pass its checksum (else INTAKE_INVALID_HETU); it is never stored, logged or echoed.` }),
  });

const rightPeriod = z.object({ unit: z.string(), start: z.string(), end: z.string().optional() });

export const clientQueryAnswerSchema = z
  .object({
    outcome: z.enum(['found', 'not-found']).meta({ description: 'found: the archive returned the latest asiakkuusasiakirja; not-found: the controller itself asked and the client has none (a provider is never told this: it gets QUERY_NOT_PERMITTED).' }),
    custodian: z.string().meta({ description: 'The registry asked.' }),
    role: z.enum(['organizer', 'provider']).meta({ description: 'organizer: the asking unit\'s own registry; provider: an organizer\'s registry under a possible registry-use right.' }),
    document: z.object({ documentId: z.string(), setId: z.string().optional(), versionNumber: z.number().int().optional() }).optional().meta({ description: 'The asiakkuusasiakirja the archive returned (found only).' }),
    rights: z.record(z.string(), z.array(rightPeriod)).optional().meta({ description: 'Right periods by service task code as the document lists them: all of them for the organizer, only the caller\'s own units\' for a provider.' }),
    learned: z.boolean().optional().meta({ description: 'The gateway\'s right state changed from this answer.' }),
  })
  .meta({ id: 'ClientQueryAnswer' });

export const clientQuerySpec = defineRoute({
  operationId: 'queryClientRelationship',
  method: 'post',
  path: '/v1/client-queries',
  summary: 'Ask the archive for a client\'s relationship (Hae asiakkuus) through the gateway',
  description:
    'The asking unit must belong to an organisation the tenant acts for (else QUERY_UNIT_FOREIGN) and the registry must be that organisation\'s own or one where it may hold a registry-use right (else QUERY_CUSTODIAN_FOREIGN); neither refusal reaches the archive. The gateway relays the query through the tenant\'s access point, learns the rights the answer lists and writes a disclosure entry (luovutusloki) into the usage log for every relayed answer. A provider the archive does not let see the client gets QUERY_NOT_PERMITTED, the same answer whether or not the client exists.',
  tags: ['client-queries'],
  auth: 'tenant',
  request: {
    body: {
      mediaTypes: ['application/json'],
      schema: z.strictObject({
        custodian: oid('The controller (rekisterinpitäjä) whose registry is asked.'),
        askingUnit: oid('The service unit asking (a unit of an organisation the tenant acts for).'),
        client: personInput('client'),
        actingPerson: personInput('acting professional').optional().meta({ description: 'The professional on whose behalf the unit asks; passed to the archive, logged only as a pseudonym.' }),
      }),
      description: 'Who asks, whose registry and which client.',
      required: true,
      parse: 'json',
    },
  },
  responses: {
    200: { description: 'The archive\'s answer as the tenant may see it.', content: { 'application/json': clientQueryAnswerSchema } },
  },
  errors: [
    'INTAKE_INVALID_HETU',
    'INTAKE_TEST_PERSON_REQUIRED',
    'INTAKE_TEST_PERSON_REFUSED',
    'QUERY_UNIT_FOREIGN',
    'QUERY_CUSTODIAN_FOREIGN',
    'QUERY_NOT_PERMITTED',
    'ROUTE_NO_ACCESS_POINT',
    'KANTA_TIMEOUT',
    'KANTA_CONNECTION',
    'KANTA_TLS_HANDSHAKE',
    'KANTA_UNAVAILABLE',
    'KANTA_HTTP_5XX',
    'KANTA_HTTP_4XX',
    'KANTA_BAD_RESPONSE',
    'KANTA_REJECTED',
    'KANTA_APPLICATION_ERROR',
    'QUEUE_UNAVAILABLE',
    'AUDIT_APPEND_CONTENDED',
  ],
});
