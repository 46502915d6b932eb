// Who is calling the HTTP API, as established by gateway/auth.ts. Route handlers take the caller
// from here instead of reading credentials themselves.
import type { Response } from 'express';
import { GatewayError } from '../domain/errors.ts';
import type { Tenant } from '../config/schema.ts';

export type Caller = { kind: 'tenant'; tenant: Tenant } | { kind: 'ops'; id: string };

export function setCaller(res: Response, caller: Caller): void {
  res.locals.caller = caller;
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new GatewayError('AUTH_MISSING');
  return caller;
}

export function tenantOf(res: Response): Tenant {
  const caller = callerOf(res);
  if (caller.kind !== 'tenant') throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'This endpoint is for tenants');
  return caller.tenant;
}

export function requireOps(res: Response): void {
  if (callerOf(res).kind !== 'ops') throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'This endpoint needs the ops role');
}
