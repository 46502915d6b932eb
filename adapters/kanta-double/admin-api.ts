// The double's admin endpoints: GET/PUT /admin/faults, POST /admin/reset, GET /admin/inspect.
// JSON in and out; a bad request is a coded 400, never a crash of the double.
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

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, control: AdminControl): Promise<void> {
  try {
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
