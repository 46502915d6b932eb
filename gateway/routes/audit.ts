// GET /v1/audit/:organisation — an organisation's usage log as NDJSON, one chained record a line, for
// answering a client's request (asiakastietolaki 703/2023 §11). For operators and for tenants acting
// for that organisation. `client` takes the hetu and is compared as a pseudonym; it is never echoed,
// stored or logged. The export is itself a disclosure, so it is logged first: if the log cannot record
// it, nothing is disclosed (fail closed).
import express, { type Router } from 'express';
import { isValidHetu } from '../../adapters/cda/hetu.ts';
import { callerOf } from '../caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import { checkAuditRange, type AuditActor, type AuditLog, type AuditRange } from '../audit/audit-log.ts';
import { canonicalJson } from '../audit/verify-chain.ts';
import { AUDIT_HEAD_HEADER, auditExportSpec } from '../api/audit-api.ts';
import { HETU_ROOT } from '../api/common-schemas.ts';
import { mountRoute } from '../api/mount-route.ts';
import type { ValidatedRequest } from '../api/route-spec.ts';

export { AUDIT_HEAD_HEADER };

export interface AuditRouteDeps {
  log: AuditLog;
  index: () => RoutingIndex;
}

type AuditQuery = ValidatedRequest<typeof auditExportSpec>['query'];

function clientOf(q: AuditQuery): { root: string; extension: string } | undefined {
  if (q.client === undefined) {
    if (q.clientRoot !== undefined) throw new GatewayError('REQUEST_INVALID', 'clientRoot needs client');
    return undefined;
  }
  const root = q.clientRoot ?? HETU_ROOT;
  // The message leaves the value out: it is a personal identity code.
  if (root === HETU_ROOT && !isValidHetu(q.client)) throw new GatewayError('INTAKE_INVALID_HETU', 'The client personal identity code fails its checksum');
  return { root, extension: q.client };
}

export function auditRouter(deps: AuditRouteDeps): Router {
  const router = express.Router();

  mountRoute(router, auditExportSpec, async ({ params, query }, _req, res) => {
    const caller = callerOf(res);
    const org = params.organisation;
    const index = deps.index();
    // An organisation removed from the configuration keeps its log; operators can still export it.
    if (!index.organisations.has(org) && !(await deps.log.head(org))) throw new GatewayError('NOT_FOUND', 'No such organisation');
    if (caller.kind === 'tenant' && !index.actsForByTenant.get(caller.tenant.id)?.has(org)) {
      throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'Only operators and tenants acting for the organisation may export its usage log', { details: { organisation: org } });
    }
    const { from, to } = query;
    const client = clientOf(query);
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
    const records = deps.log.export(org, { ...range, upToSeq: head?.seq ?? 0 });
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
  });

  return router;
}
