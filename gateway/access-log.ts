// The HTTP access log: one line per request with method, route pattern, status, duration, the caller
// (tenant id or operator id) and the request id. Never the raw URL or its query string, and no header
// or body: a URL can carry document ids or a client identifier, and the log outlives the request in
// every log shipper it passes. Mount it first, like the request metrics, so every request is logged once.
import type { RequestHandler } from 'express';
import type { Logger } from './logger.ts';
import { watchRoutePattern } from './route-pattern.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const routePattern = watchRoutePattern(req);
    let done = false;
    const write = () => {
      if (done) return;
      done = true;
      const caller = res.locals.caller as { kind: string; tenant?: { id: string }; id?: string } | undefined;
      logger.info('http request', {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: routePattern(),
        // A connection closed before the response was sent has no status the client saw.
        status: res.writableFinished ? res.statusCode : 'aborted',
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        ...(caller ? { callerKind: caller.kind, caller: caller.tenant?.id ?? caller.id } : {}),
        requestId: res.getHeader('x-request-id'),
      });
    };
    res.once('finish', write);
    res.once('close', write);
    next();
  };
}
