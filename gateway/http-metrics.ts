// Counts HTTP requests by method, route pattern and status. The label is the express route pattern
// (`/v1/documents/:documentId`), never the raw URL: a URL carries document ids (unbounded, and
// personal data in the wrong hands). Requests that match no route are counted as "unmatched".
// Mount it first, before any router, so every request is counted once.
import type { Request, RequestHandler } from 'express';
import type { GatewayMetrics } from './metrics.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Remembers the pattern of the route that handled the request when express assigns `req.route`: the
 * mount path (`req.baseUrl`) is only right at that moment, since express restores it when an error
 * leaves the router.
 */
function watchRoute(req: Request): () => string {
  let pattern: string | undefined;
  let current: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set(route: { path?: unknown } | undefined) {
      current = route;
      if (route?.path === undefined) return;
      const path = Array.isArray(route.path) ? route.path.map(String).join('|') : String(route.path);
      pattern = `${req.baseUrl ?? ''}${path}` || '/';
    },
  });
  return () => pattern ?? 'unmatched';
}

export function httpMetrics(metrics: Pick<GatewayMetrics, 'httpRequests' | 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    const routePattern = watchRoute(req);
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
