// Counts HTTP requests by method, route pattern and status. The label is the express route pattern
// (`/v1/documents/:documentId`), never the raw URL: a URL carries document ids (unbounded, and
// personal data in the wrong hands). Requests that match no route are counted as "unmatched".
// Mount it first, before any router, so every request is counted once.
import type { Request, RequestHandler } from 'express';
import type { GatewayMetrics } from './metrics.ts';
import { watchRoutePattern } from './route-pattern.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function httpMetrics(metrics: Pick<GatewayMetrics, 'httpRequests' | 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    const routePattern = watchRoutePattern(req);
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      const route = routePattern();
      // A connection closed before the response was sent has no status the client saw.
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      metrics.httpRequests.inc({ method, route, status });
      end({ method, route });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
