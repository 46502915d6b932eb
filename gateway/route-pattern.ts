// The express route pattern that handled a request (`/v1/documents/:documentId`), never the raw URL: a
// URL carries document ids and, in a query string, whatever a caller put there. Shared by the request
// metrics and the access log, which both need it; the watcher is installed once per request.
import type { Request } from 'express';

const PATTERN = Symbol.for('kanta-gateway.route-pattern');

/**
 * Remembers the pattern of the route that handled the request when express assigns `req.route`: the
 * mount path (`req.baseUrl`) is only right at that moment, since express restores it when an error
 * leaves the router. Returns a getter: 'unmatched' when no route handled the request.
 */
export function watchRoutePattern(req: Request): () => string {
  const existing = (req as unknown as { [PATTERN]?: () => string })[PATTERN];
  if (existing) return existing;
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
  const get = () => pattern ?? 'unmatched';
  Object.defineProperty(req, PATTERN, { value: get, enumerable: false });
  return get;
}
