// Checks a request's path parameters, query, headers and JSON body against its route spec before the
// handler runs. A failure is REQUEST_INVALID (400) naming each failing field by location and path, or
// the code a field declares with `.meta({ 'x-error-code': ... })` where the API promised a more
// specific one (e.g. INTAKE_UNKNOWN_OPERATION for Kanta-Operation). Messages are zod's, which never
// quote the rejected value (it may be a personal identity code).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { GatewayError, isErrorCode, type ErrorCode } from '../../domain/errors.ts';
import type { FlatObjectSchema, RouteSpec, ValidatedRequest } from './route-spec.ts';

export type RequestLocation = 'params' | 'query' | 'headers' | 'body';

export interface RequestIssue {
  in: RequestLocation;
  /** Dotted path inside the location; empty for the location as a whole (e.g. a missing body). */
  path: string;
  message: string;
}

const VALIDATED = 'validatedRequest';

/** The code declared on a schema (or on what an optional/default wrapper wraps), if any. */
function declaredCode(schema: z.ZodType | undefined): ErrorCode | undefined {
  for (let s: z.ZodType | undefined = schema, depth = 0; s && depth < 4; depth++) {
    const code = (s.meta() as Record<string, unknown> | undefined)?.['x-error-code'];
    if (isErrorCode(code)) return code;
    s = (s as unknown as { unwrap?: () => z.ZodType }).unwrap?.();
  }
  return undefined;
}

/** Headers as the schema names them, read case-insensitively (Node lowercases incoming names). */
function headersFor(schema: FlatObjectSchema, req: Request): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, req.headers[name.toLowerCase()]]));
}

/**
 * all: every part at once. envelope (params, query, headers) and body: the same in two steps around a
 * body parser, so a request refused on its headers (e.g. a 415) is refused before its body is read.
 */
export type ValidationStage = 'all' | 'envelope' | 'body';

export function validateRequest(spec: RouteSpec, stage: ValidationStage = 'all'): RequestHandler {
  const r = spec.request ?? {};
  const envelope = stage !== 'body';
  const withBody = stage !== 'envelope';
  return (req: Request, res: Response, next: NextFunction): void => {
    const issues: RequestIssue[] = [];
    let code: ErrorCode | undefined;
    const out = (res.locals[VALIDATED] as Record<RequestLocation, unknown> | undefined) ?? { params: {}, query: {}, headers: {}, body: undefined };

    const check = (where: RequestLocation, schema: z.ZodType, value: unknown, fieldOf: (key: PropertyKey | undefined) => z.ZodType | undefined) => {
      const result = schema.safeParse(value);
      if (result.success) {
        out[where] = result.data;
        return;
      }
      for (const issue of result.error.issues) {
        issues.push({ in: where, path: issue.path.map(String).join('.'), message: issue.message });
        code ??= declaredCode(fieldOf(issue.path[0]));
      }
    };
    // The field a top-level issue is about, where a declared code would sit.
    const fieldsOf = (schema: z.ZodType) => (key: PropertyKey | undefined) =>
      typeof key === 'string' ? (schema as { shape?: Record<string, z.ZodType> }).shape?.[key] : undefined;

    if (envelope && r.params) check('params', r.params, req.params ?? {}, fieldsOf(r.params));
    if (envelope && r.query) check('query', r.query, req.query ?? {}, fieldsOf(r.query));
    if (envelope && r.headers) check('headers', r.headers, headersFor(r.headers, req), fieldsOf(r.headers));
    const body = r.body;
    if (withBody && body?.parse === 'json') {
      // express.json leaves body undefined when nothing JSON was sent.
      if (req.body === undefined) {
        if (body.required) issues.push({ in: 'body', path: '', message: `a JSON body (${body.mediaTypes.join(' or ')}) is required` });
      } else {
        check('body', body.schema, req.body, fieldsOf(body.schema));
      }
    }

    if (issues.length > 0) {
      const message = issues.map((i) => `${i.in}${i.path ? `.${i.path}` : ''}: ${i.message}`).join('; ');
      // A declared code keeps its catalogue message, as the hand-written check it replaces did.
      return next(code ? new GatewayError(code, undefined, { details: { issues } }) : new GatewayError('REQUEST_INVALID', message, { details: { issues } }));
    }
    res.locals[VALIDATED] = out;
    next();
  };
}

/** The validated request of the current route (set by validateRequest). */
export function validatedRequest<S extends RouteSpec>(res: Response): ValidatedRequest<S> {
  const v = res.locals[VALIDATED] as ValidatedRequest<S> | undefined;
  if (!v) throw new GatewayError('INTERNAL', 'The route ran without request validation');
  return v;
}
