// GET /v1/audit/:organisation and POST /v1/audit/:organisation/search — an organisation's usage log as
// NDJSON, one chained record a line, for answering a client's request (asiakastietolaki 703/2023 §11).
// For operators and for tenants acting for that organisation. The sealed segments on disk come first,
// then the live part in Redis (usage-log-export.ts). A client filter travels only in the POST body,
// never in a URL (a reverse proxy logs URLs): `?client=` on the GET answers REQUEST_CLIENT_IN_URL. The
// hetu is compared as a pseudonym; it is never echoed, stored or logged. The export is itself a
// disclosure, so it is logged first: if the log cannot record it, nothing is disclosed (fail closed).
import express, { type Response, type Router } from 'express';
import { isValidHetu } from '../../adapters/cda/hetu.ts';
import { callerOf } from '../caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import { checkAuditRange, type AuditActor, type AuditLog, type AuditRange } from '../audit/audit-log.ts';
import { exportUsageLog, type SealedSegments } from '../audit/usage-log-export.ts';
import { canonicalJson } from '../audit/verify-chain.ts';
import { AUDIT_HEAD_HEADER, auditExportSpec, auditSearchSpec } from '../api/audit-api.ts';
import { HETU_ROOT } from '../api/common-schemas.ts';
import { mountRoute } from '../api/mount-route.ts';
import { refuseClientInUrl } from './client-in-url.ts';

export { AUDIT_HEAD_HEADER };

export interface AuditRouteDeps {
  log: AuditLog;
  index: () => RoutingIndex;
  /** The sealed segments (config audit.segments); without it the export is the live part in Redis. */
  segments?: () => SealedSegments | undefined;
}

function clientOf(c: { root?: string | undefined; extension: string } | undefined): { root: string; extension: string } | undefined {
  if (c === undefined) return undefined;
  const root = c.root ?? HETU_ROOT;
  // The message leaves the value out: it is a personal identity code.
  if (root === HETU_ROOT && !isValidHetu(c.extension)) throw new GatewayError('INTAKE_INVALID_HETU', 'The client personal identity code fails its checksum');
  return { root, extension: c.extension };
}

export function auditRouter(deps: AuditRouteDeps): Router {
  const router = express.Router();

  async function exportChain(org: string, q: { from?: string | undefined; to?: string | undefined }, client: { root: string; extension: string } | undefined, res: Response): Promise<void> {
    const caller = callerOf(res);
    const index = deps.index();
    // An organisation removed from the configuration keeps its log; operators can still export it.
    if (!index.organisations.has(org) && !(await deps.log.head(org))) throw new GatewayError('NOT_FOUND', 'No such organisation');
    if (caller.kind === 'tenant' && !index.actsForByTenant.get(caller.tenant.id)?.has(org)) {
      throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'Only operators and tenants acting for the organisation may export its usage log', { details: { organisation: org } });
    }
    const { from, to } = q;
    const range: AuditRange = { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(client ? { client } : {}) };
    checkAuditRange(range);

    const actor: AuditActor = caller.kind === 'ops' ? { kind: 'ops', id: caller.id } : { kind: 'tenant', id: caller.tenant.id };
    await deps.log.append({
      organisation: org,
      action: 'audit-exported',
      actor,
      ...(client ? { client } : {}),
      details: { ...(from ? { from } : {}), ...(to ? { to } : {}), clientFiltered: client !== undefined },
    });
    const head = await deps.log.head(org);
    const records = exportUsageLog(deps.log, deps.segments?.(), org, { ...range, upToSeq: head?.seq ?? 0 });
    res.status(200).type('application/x-ndjson');
    if (head) res.setHeader(AUDIT_HEAD_HEADER, `${head.seq} ${head.digest}`);
    try {
      for await (const r of records) {
        if (!res.write(`${canonicalJson(r)}\n`)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
          if (res.destroyed) return;
        }
      }
    } catch (err) {
      // Status and headers are gone: cut the stream so the reader sees a truncated, failing export.
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      throw err;
    }
    res.end();
  }

  mountRoute(router, auditExportSpec, async ({ params, query }, req, res) => {
    refuseClientInUrl(req, 'POST /v1/audit/{organisation}/search');
    await exportChain(params.organisation, query, undefined, res);
  });

  mountRoute(
    router,
    auditSearchSpec,
    async ({ params, body }, _req, res) => {
      await exportChain(params.organisation, body, clientOf(body.client), res);
    },
    { before: [express.json({ limit: '16kb' })] },
  );

  return router;
}
