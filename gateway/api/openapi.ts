// Builds GET /openapi.json (OpenAPI 3.1) from the route specs with zod-openapi: one operation per
// spec, its success responses as written, and one error response per status listing in
// `x-error-codes` the catalogue codes the route can answer with at that status. The whole catalogue
// is in `x-error-catalogue`, including the codes no route answers with and where they show instead.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject, type oas31 } from 'zod-openapi';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { ROUTE_SPECS } from './all-routes.ts';
import { errorBodySchema } from './common-schemas.ts';
import { errorCatalogueEntries } from './error-catalogue.ts';
import { errorCodesOf, openApiPath, routeKey, type FlatObjectSchema, type RouteAuth, type RouteSpec } from './route-spec.ts';

export type OpenApiDocument = oas31.OpenAPIObject;

/** Security scheme names; a tenant may use either a bearer token or its registered client certificate. */
const SECURITY: Record<RouteAuth, oas31.SecurityRequirementObject[]> = {
  none: [],
  tenant: [{ tenantToken: [] }, { tenantCertificate: [] }],
  ops: [{ opsToken: [] }, { opsCertificate: [] }],
  // --- named operators (ops console, issue 15)
  operator: [{ opsToken: [] }, { opsCertificate: [] }],
  'tenant-or-ops': [{ tenantToken: [] }, { tenantCertificate: [] }, { opsToken: [] }],
};

const SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  tenantToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'A tenant API token (Authorization: Bearer <token>). Configuration holds only its SHA-256 (tenants[].credentials.apiTokenSha256).',
  },
  tenantCertificate: {
    // OpenAPI 3.1 §4.8.27 has mutualTLS; zod-openapi 5's SecuritySchemeType lists only the 3.0 kinds.
    type: 'mutualTLS' as oas31.SecuritySchemeType,
    description: 'A TLS client certificate registered for the tenant by subject and issuer DN (tenants[].credentials.tlsClients), when the gateway listens with TLS.',
  },
  opsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'A named operator\'s token (gateway.operators[].tokenSha256; the deprecated gateway.opsTokenSha256 gives operators ops-N). x-caller ops: viewer or operator role; x-caller operator: the operator role.',
  },
  // --- named operators (ops console, issue 15)
  opsCertificate: {
    type: 'mutualTLS' as oas31.SecuritySchemeType,
    description: 'A TLS client certificate registered for a named operator (gateway.operators[].tlsClient), when the gateway listens with TLS.',
  },
};

const TAGS: oas31.TagObject[] = [
  { name: 'documents', description: 'Intake of CDA documents and their progress.' },
  { name: 'registry-rights', description: 'Registry-use rights set by organizers over the API.' },
  { name: 'audit', description: 'The usage log (käyttöloki).' },
  { name: 'ops', description: 'Operator API (ops role).' },
  // callbacks (issue 12 item 3)
  { name: 'callbacks', description: 'Webhook callbacks of lifecycle events and their dead letters (docs/callbacks.md).' },
  { name: 'service', description: 'Health, readiness, metrics and this description; no authentication.' },
];

function errorResponses(spec: RouteSpec): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(spec)) {
    const status = ERROR_CATALOGUE[code].status;
    if (spec.responses[status]) throw new Error(`${routeKey(spec)}: ${status} is both a success response and the status of ${code}`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: `${STATUS_CODES[status] ?? 'Error'}: ${codes.join(', ')}.`,
        content: { 'application/json': { schema: errorBodySchema } },
        'x-error-codes': codes,
      },
    ]),
  );
}

// OpenAPI 3.1 §4.8.12.1: header parameters with these names are ignored (the request body's media
// types and the security schemes say it); they are still validated when a spec lists them.
const RESERVED_HEADERS = ['accept', 'content-type', 'authorization'];

function documentedHeaders(headers: FlatObjectSchema | undefined): FlatObjectSchema | undefined {
  if (!headers) return undefined;
  const kept = Object.entries(headers.shape).filter(([h]) => !RESERVED_HEADERS.includes(h.toLowerCase()));
  return kept.length > 0 ? z.object(Object.fromEntries(kept)) : undefined;
}

function operationOf(spec: RouteSpec): ZodOpenApiOperationObject {
  const r = spec.request;
  const headers = documentedHeaders(r?.headers);
  const success: ZodOpenApiResponsesObject = Object.fromEntries(
    Object.entries(spec.responses).map(([status, res]) => [
      status,
      {
        description: res.description,
        ...(res.headers ? { headers: res.headers } : {}),
        ...(res.content ? { content: Object.fromEntries(Object.entries(res.content).map(([type, schema]) => [type, { schema }])) } : {}),
      },
    ]),
  );
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [...spec.tags],
    security: SECURITY[spec.auth],
    'x-caller': spec.auth,
    ...(r?.params || r?.query || headers
      ? { requestParams: { ...(r?.params ? { path: r.params } : {}), ...(r?.query ? { query: r.query } : {}), ...(headers ? { header: headers } : {}) } }
      : {}),
    ...(r?.body
      ? {
          requestBody: {
            description: r.body.description,
            required: r.body.required,
            content: Object.fromEntries(r.body.mediaTypes.map((type) => [type, { schema: r.body!.schemaByMediaType?.[type] ?? r.body!.schema }])),
          },
        }
      : {}),
    responses: { ...success, ...errorResponses(spec) },
  };
}

export function buildOpenApiDocument(specs: readonly RouteSpec[] = ROUTE_SPECS): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  const ids = new Set<string>();
  for (const spec of specs) {
    if (ids.has(spec.operationId)) throw new Error(`duplicate operationId ${spec.operationId}`);
    ids.add(spec.operationId);
    const item = (paths[openApiPath(spec.path)] ??= {});
    if (item[spec.method]) throw new Error(`${routeKey(spec)} is described twice`);
    item[spec.method] = operationOf(spec);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kanta gateway API',
      version: packageJson.version,
      description:
        'Tenant intake of CDA R2 documents for the Kanta social-welfare client-data archive, their progress, registry-use rights, the usage log and the operator API. ' +
        'Generated from the route schemas that also validate each request (gateway/api/). Every error is an ErrorBody with a catalogue code; ' +
        'each response lists its codes in x-error-codes, and x-error-catalogue lists them all (docs/errors.md). An unknown path answers 404 NOT_FOUND.',
    },
    tags: TAGS,
    'x-error-catalogue': errorCatalogueEntries(specs),
    components: { securitySchemes: SECURITY_SCHEMES },
    paths,
  });
}
