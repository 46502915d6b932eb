// Renders every failure as {error: {code, message, ruleId?, details?, errorId}} with the catalogue's
// HTTP status. The errorId also goes to the log line, linking a tenant's report to our log.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../domain/errors.ts';
import type { Logger } from './logger.ts';

/**
 * Maps body-parser, router and other framework errors to catalogue codes: a client's mistake is never
 * answered INTERNAL (issue 16 defect 5). zlib and brotli refuse a body that does not decode with its
 * Content-Encoding (Z_* / ERR__* codes, status 400); the router throws URIError on bad percent-encoding.
 */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; code?: unknown; message?: string; expose?: boolean };
  if (e?.type === 'entity.too.large') return new GatewayError('INTAKE_BODY_TOO_LARGE');
  if (e?.type === 'entity.parse.failed') return new GatewayError('REQUEST_INVALID', 'Request body is not valid JSON');
  if (e?.type === 'encoding.unsupported') return new GatewayError('INTAKE_UNSUPPORTED_CONTENT_ENCODING');
  if (e?.type === 'charset.unsupported') return new GatewayError('INTAKE_UNSUPPORTED_CHARSET');
  if (e?.type === 'request.aborted') return new GatewayError('REQUEST_INVALID', 'Request aborted by the client');
  if (e?.type === 'request.size.invalid') return new GatewayError('REQUEST_INVALID', 'Request body length does not match Content-Length');
  if (typeof e?.code === 'string' && /^(Z_|ERR__)/.test(e.code)) return new GatewayError('INTAKE_UNSUPPORTED_CONTENT_ENCODING', 'The body does not decode with its Content-Encoding');
  if (err instanceof URIError) return new GatewayError('REQUEST_INVALID', 'The request path is not valid percent-encoding');
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new GatewayError('REQUEST_INVALID', undefined, { cause: err });
  return new GatewayError('INTERNAL', undefined, { cause: err });
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const ge = toGatewayError(err);
    const errorId = randomUUID();
    const caller = res.locals.caller as { kind: string; tenant?: { id: string }; id?: string } | undefined;
    const who = caller?.tenant?.id ?? caller?.id;
    const log = ge.status >= 500 && ge.code !== 'QUEUE_UNAVAILABLE' && ge.code !== 'CONFIG_NOT_LOADED' ? 'error' : 'warn';
    logger.log(log, 'request failed', {
      errorId,
      code: ge.code,
      ruleId: ge.ruleId,
      method: req.method,
      path: req.path,
      caller: who,
      // The cause's own words (e.g. a Redis error), never the request body; the logger redacts hetus.
      ...(ge.cause !== undefined ? { cause: String(ge.code === 'INTERNAL' ? ((ge.cause as Error)?.stack ?? ge.cause) : ((ge.cause as Error)?.message ?? ge.cause)).slice(0, 2000) } : {}),
    });
    if (res.headersSent) return;
    res.status(ge.status).json({ error: { ...ge.toJSON(), errorId } });
  };
}

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new GatewayError('NOT_FOUND', 'No such endpoint'));
}
