// The double's admin endpoints: GET/PUT /admin/faults, POST /admin/reset, GET /admin/inspect.
// JSON in and out; a bad request is a coded 400, never a crash of the double.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../domain/errors.ts';
import { readBody } from './read-body.ts';
import type { FaultSettings } from './faults.ts';
import type { Inspection } from './inspection.ts';

export interface AdminControl {
  faults(): FaultSettings;
  /** Validates and replaces the fault settings; throws GatewayError REQUEST_INVALID. */
  setFaultsFromJson(raw: unknown): FaultSettings;
  reset(): void;
  inspect(): Inspection;
}

const ADMIN_BODY_LIMIT = 1024 * 1024;

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The admin API's own credential: `Authorization: Bearer <adminToken>`; without a configured token it is off. */
function checkAdminToken(req: IncomingMessage, adminToken: string | undefined): void {
  if (!adminToken) throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'The admin API is off: start the double with --admin-token (or KGW_DOUBLE_ADMIN_TOKEN)');
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!given) throw new GatewayError('AUTH_MISSING', 'The admin API needs Authorization: Bearer <admin token>');
  // Compared as digests: equal length, constant time, whatever was sent.
  if (!timingSafeEqual(digest(given), digest(adminToken))) throw new GatewayError('AUTH_INVALID', 'Admin token not recognised');
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, control: AdminControl, adminToken?: string): Promise<void> {
  try {
    checkAdminToken(req, adminToken);
    if (path === '/admin/faults' && req.method === 'GET') return json(res, 200, control.faults());
    if (path === '/admin/faults' && req.method === 'PUT') {
      const body = await readBody(req, ADMIN_BODY_LIMIT);
      if (!body.ok) throw new GatewayError('INTAKE_BODY_TOO_LARGE');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.bytes.toString('utf8'));
      } catch {
        throw new GatewayError('REQUEST_INVALID', 'fault settings are not valid JSON');
      }
      return json(res, 200, control.setFaultsFromJson(parsed));
    }
    if (path === '/admin/reset' && req.method === 'POST') {
      req.resume();
      control.reset();
      return json(res, 200, { reset: true });
    }
    if (path === '/admin/inspect' && req.method === 'GET') return json(res, 200, control.inspect());
    return json(res, 404, { error: { code: 'NOT_FOUND', message: 'Unknown admin endpoint' } });
  } catch (err) {
    if (err instanceof GatewayError) return json(res, err.status, { error: err.toJSON() });
    throw err;
  }
}
