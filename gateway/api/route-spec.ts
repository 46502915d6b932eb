// One HTTP route described as data: what it accepts (params, query, headers, body as zod schemas),
// what it answers (responses with schemas) and which catalogue error codes it can give. The same spec
// validates requests (validate-request.ts), registers the route (mount-route.ts) and becomes its entry
// in GET /openapi.json (openapi.ts), so the description cannot drift from what the route checks.
import type { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';

/**
 * Who may call: no one authenticated (health, metrics, the description), a tenant, an operator of
 * either role (ops: reads), an operator with the operator role (operator: actions), or a tenant or
 * an operator.
 */
export type RouteAuth = 'none' | 'tenant' | 'ops' | 'operator' | 'tenant-or-ops';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';

/** A flat object schema: path parameters, query parameters or headers. */
export type FlatObjectSchema = z.ZodObject;

export interface BodySpec {
  /** Media types the route accepts, documented in this order. */
  mediaTypes: readonly string[];
  schema: z.ZodType;
  /** A different schema for some media types (e.g. the JSON form of a route that also takes XML). */
  schemaByMediaType?: Readonly<Record<string, z.ZodType>>;
  description: string;
  required: boolean;
  /**
   * json: parsed by express.json before validate-request checks it against `schema`;
   * raw: the handler reads the bytes itself (CDA XML) and the schema only documents them.
   */
  parse: 'json' | 'raw';
}

export interface RequestSpec {
  params?: FlatObjectSchema;
  query?: FlatObjectSchema;
  /** Header names as documented (e.g. Kanta-Operation); matched case-insensitively. */
  headers?: FlatObjectSchema;
  body?: BodySpec;
}

export interface ResponseSpec {
  description: string;
  /** Media type → schema; absent for a response without a body. */
  content?: Readonly<Record<string, z.ZodType>>;
  headers?: FlatObjectSchema;
}

export interface RouteSpec {
  /** Unique, stable, camelCase; the OpenAPI operationId. */
  operationId: string;
  method: HttpMethod;
  /** Express path syntax (`/v1/documents/:id`). */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  auth: RouteAuth;
  request?: RequestSpec;
  /** Non-error answers by status; error answers come from `errors` (see errorCodesOf). */
  responses: Readonly<Record<number, ResponseSpec>>;
  /** Catalogue codes this route can answer with beyond those implied by its auth and request parts. */
  errors: readonly ErrorCode[];
}

/** Identity function that keeps the literal schema types, so handlers get typed, validated input. */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  return spec;
}

type OutputOf<T, Fallback> = T extends z.ZodType ? z.output<T> : Fallback;

/** The validated request a handler receives: each part is the output of its schema. */
export interface ValidatedRequest<S extends RouteSpec> {
  params: OutputOf<NonNullable<S['request']>['params'], Record<string, never>>;
  query: OutputOf<NonNullable<S['request']>['query'], Record<string, never>>;
  headers: OutputOf<NonNullable<S['request']>['headers'], Record<string, never>>;
  body: NonNullable<S['request']>['body'] extends infer B
    ? B extends BodySpec
      ? B['parse'] extends 'json'
        ? B['required'] extends true
          ? z.output<B['schema']>
          : z.output<B['schema']> | undefined
        : undefined
      : undefined
    : undefined;
}

/**
 * Every code the route can answer with: those it lists, plus those its kind implies. Authentication
 * runs before every /v1 route (AUTH_MISSING, AUTH_INVALID); a role check can refuse
 * (AUTH_FORBIDDEN_ROLE); a validated part can be invalid (REQUEST_INVALID); a JSON body goes through
 * express.json (too large → INTAKE_BODY_TOO_LARGE, unsupported charset → INTAKE_UNSUPPORTED_MEDIA_TYPE,
 * see http-errors.ts); and anything unforeseen is INTERNAL. Sorted by status, then code.
 */
export function errorCodesOf(spec: RouteSpec): ErrorCode[] {
  const codes = new Set<ErrorCode>(spec.errors);
  if (spec.auth !== 'none') {
    codes.add('AUTH_MISSING');
    codes.add('AUTH_INVALID');
  }
  if (spec.auth === 'tenant' || spec.auth === 'ops' || spec.auth === 'operator') codes.add('AUTH_FORBIDDEN_ROLE');
  const r = spec.request;
  if (r?.params || r?.query || r?.headers || r?.body?.parse === 'json') codes.add('REQUEST_INVALID');
  if (r?.body?.parse === 'json') {
    codes.add('INTAKE_BODY_TOO_LARGE');
    codes.add('INTAKE_UNSUPPORTED_MEDIA_TYPE');
  }
  // Answered by the HTTP server itself for any request (gateway/http-server.ts): headers too large,
  // not HTTP/1.1, headers or body too slow.
  for (const c of ['REQUEST_HEADERS_TOO_LARGE', 'REQUEST_MALFORMED', 'REQUEST_TIMEOUT'] as const) codes.add(c);
  codes.add('INTERNAL');
  return [...codes].sort((a, b) => ERROR_CATALOGUE[a].status - ERROR_CATALOGUE[b].status || a.localeCompare(b));
}

/** `/v1/documents/:id` → `/v1/documents/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** `GET /v1/documents/:id`: how tests and messages name a route. */
export function routeKey(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${spec.method.toUpperCase()} ${spec.path}`;
}
