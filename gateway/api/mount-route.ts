// Registers a route only together with its spec: role check → params, query and headers validated →
// route-specific middleware (a body parser) → JSON body validated → handler with the validated input. The route object carries its spec
// (ROUTE_SPEC), so a test can walk the app and find any route registered some other way.
import type { Request, RequestHandler, Response, Router } from 'express';
import { callerOf, requireOperatorRole, requireOps, tenantOf } from '../caller.ts';
import type { RouteAuth, RouteSpec, ValidatedRequest } from './route-spec.ts';
import { validateRequest, validatedRequest } from './validate-request.ts';

export const ROUTE_SPEC: unique symbol = Symbol.for('kanta-gateway.route-spec');

export type RouteHandler<S extends RouteSpec> = (input: ValidatedRequest<S>, req: Request, res: Response) => void | Promise<void>;

/**
 * Refuses the wrong caller before anything is parsed: a tenant calling an ops route gets 403 whatever
 * it sent. Authentication itself (who the caller is) already ran for every /v1 path (auth.ts).
 */
export function authorise(auth: RouteAuth): RequestHandler {
  return (_req, res, next) => {
    if (auth === 'tenant') tenantOf(res);
    else if (auth === 'ops') requireOps(res);
    else if (auth === 'operator') requireOperatorRole(res);
    else if (auth === 'tenant-or-ops') callerOf(res);
    next();
  };
}

export function mountRoute<const S extends RouteSpec>(router: Router, spec: S, handler: RouteHandler<S>, opts: { before?: RequestHandler[] } = {}): void {
  const route = router.route(spec.path);
  const bodyCheck = spec.request?.body?.parse === 'json' ? [validateRequest(spec, 'body')] : [];
  route[spec.method](
    authorise(spec.auth),
    validateRequest(spec, 'envelope'),
    ...(opts.before ?? []),
    ...bodyCheck,
    (req: Request, res: Response) => handler(validatedRequest<S>(res), req, res),
  );
  Object.defineProperty(route, ROUTE_SPEC, { value: spec, enumerable: false });
}

/** The spec a route was mounted with, if it was mounted through mountRoute. */
export function specOfRoute(route: object): RouteSpec | undefined {
  return (route as { [ROUTE_SPEC]?: RouteSpec })[ROUTE_SPEC];
}
