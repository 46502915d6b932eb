// Who is calling the HTTP API, as established by gateway/auth.ts. Route handlers take the caller
// from here instead of reading credentials themselves.
import type { Response } from 'express';
import { GatewayError } from '../domain/errors.ts';
import type { OperatorRoleName, Tenant } from '../config/schema.ts';

/** An operator's `id` is the configured name (or ops-N for a deprecated anonymous token). */
export type Caller = { kind: 'tenant'; tenant: Tenant } | { kind: 'ops'; id: string; role: OperatorRoleName };

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

/** An operator allowed to act (rerun, pause, resume, reload, redeliver), not only to read. */
export function requireOperatorRole(res: Response): string {
  const c = callerOf(res);
  if (c.kind !== 'ops') throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'This endpoint needs the ops role');
  if (c.role !== 'operator') throw new GatewayError('AUTH_FORBIDDEN_ROLE', `Operator ${c.id} has the viewer role; this action needs the operator role`);
  return c.id;
}
