// A client identifier (a hetu by default) must never travel in a URL: reverse proxies, load balancers
// and browsers log and keep URLs. The routes that once took `?client=` refuse it with a code that names
// the route taking the client in the body; the value itself is neither echoed nor logged (the error
// log writes the path without its query string).
import type { Request } from 'express';
import { GatewayError } from '../../domain/errors.ts';

const CLIENT_PARAMETERS = ['client', 'clientRoot', 'hetu'];

export function refuseClientInUrl(req: Request, useInstead: string): void {
  const query = req.query as Record<string, unknown>;
  const named = CLIENT_PARAMETERS.filter((p) => Object.hasOwn(query, p));
  if (named.length > 0) {
    throw new GatewayError('REQUEST_CLIENT_IN_URL', `The client must not travel in the URL; use ${useInstead} with the client in the JSON body`, { details: { parameters: named.join(','), useInstead } });
  }
}
