// Operator API (ops role only): watch queues, pause and resume controllers and tenants, rerun parked
// documents, reload configuration. Each action is logged with the operator id.
import express, { type Router } from 'express';
import type { Pipeline } from '../../queues/pipeline.ts';
import type { DocumentStore } from '../../queues/document-store.ts';
import { callerOf, requireOps } from '../caller.ts';
import type { Logger } from '../logger.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { opsEvents, rerunEvent } from '../audit/audit-events.ts';
import type { Tenant } from '../../config/schema.ts';
import { mountRoute } from '../api/mount-route.ts';
import { opsConfigReloadSpec, opsConfigSpec, opsQueuesSpec, opsRerunSpec, pauseSpecs, resumeSpecs } from '../api/ops-api.ts';

type ReloadAnswer = { ok: boolean; version?: string; changed?: boolean; error?: string; keptVersion?: string };

export interface OpsDeps {
  pipeline: Pipeline;
  store: DocumentStore;
  /** `by`: the operator, written to the usage log with the versions before and after. */
  reloadConfig(by: string): ReloadAnswer | Promise<ReloadAnswer>;
  configInfo(): { version: string; file: string; loadedAt: string; lastReloadError?: string };
  accessPoints(): string[];
  tenant(id: string): Tenant | undefined;
  audit?: AuditLog;
  logger: Logger;
}

/** Average Redis bytes per open document, sampled (MEMORY USAGE of its keys). */
async function memoryPerOpenDocument(store: DocumentStore, sample = 20): Promise<{ sampled: number; averageBytes: number; averageDocumentBytes: number } | undefined> {
  let n = 0;
  let bytes = 0;
  let docBytes = 0;
  for await (const rec of store.scanOpen()) {
    bytes += await store.memoryUsage(rec.tenant, rec.documentId);
    docBytes += rec.size;
    if (++n >= sample) break;
  }
  return n === 0 ? undefined : { sampled: n, averageBytes: Math.round(bytes / n), averageDocumentBytes: Math.round(docBytes / n) };
}

export function opsRouter(deps: OpsDeps): Router {
  const router = express.Router();
  // Every /v1/ops path, known or not, is refused to a tenant before its body is parsed.
  router.use('/v1/ops', (_req, res, next) => {
    requireOps(res);
    next();
  });
  router.use('/v1/ops', express.json({ limit: '256kb' }));
  const who = (res: express.Response) => {
    const c = callerOf(res);
    return c.kind === 'ops' ? c.id : c.tenant.id;
  };

  mountRoute(router, opsQueuesSpec, async (_input, _req, res) => {
    const [queues, control, openDocuments, memory] = await Promise.all([
      deps.pipeline.queueCounts(),
      deps.pipeline.controlState(),
      deps.store.openCount(),
      memoryPerOpenDocument(deps.store),
    ]);
    const circuits = Object.fromEntries(deps.accessPoints().map((ap) => [ap, deps.pipeline.circuitState(ap)]));
    res.json({ queues, ...control, circuits, openDocuments, redisMemoryPerOpenDocument: memory ?? null });
  });

  for (const action of ['pause', 'resume'] as const) {
    const specs = action === 'pause' ? pauseSpecs : resumeSpecs;
    mountRoute(router, specs.controller, async ({ params: { oid } }, _req, res) => {
      if (action === 'pause') await deps.pipeline.pauseController(oid, who(res));
      else await deps.pipeline.resumeController(oid);
      for (const ev of opsEvents({ opsId: who(res), operation: `${action}-controller`, controller: oid })) await deps.audit?.append(ev);
      deps.logger.info(`controller ${action}d`, { controller: oid, by: who(res) });
      res.json({ controller: oid, state: action === 'pause' ? 'paused' : 'running' });
    });
    mountRoute(router, specs.tenant, async ({ params: { id } }, _req, res) => {
      if (action === 'pause') await deps.pipeline.pauseTenant(id);
      else await deps.pipeline.resumeTenant(id);
      const tenant = deps.tenant(id);
      for (const ev of opsEvents({ opsId: who(res), operation: `${action}-tenant`, ...(tenant ? { tenant } : {}) })) await deps.audit?.append(ev);
      deps.logger.info(`tenant ${action}d`, { tenant: id, by: who(res) });
      res.json({ tenant: id, state: action === 'pause' ? 'paused' : 'running' });
    });
  }

  mountRoute(router, opsRerunSpec, async ({ body }, _req, res) => {
    const filter = body ?? {};
    const result = await deps.pipeline.rerun(
      Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as typeof filter,
      who(res),
    );
    for (const d of result.rerun) {
      const rec = await deps.store.get(d.tenant, d.documentId);
      if (rec) await deps.audit?.append(rerunEvent({ opsId: who(res), record: rec, run: d.run, ...(d.previousCode ? { previousCode: d.previousCode } : {}) }));
    }
    deps.logger.info('rerun', { by: who(res), count: result.rerun.length, filter });
    res.json({ count: result.rerun.length, documents: result.rerun });
  });

  mountRoute(router, opsConfigReloadSpec, async (_input, _req, res) => {
    const r = await deps.reloadConfig(who(res));
    deps.logger.log(r.ok ? 'info' : 'warn', 'configuration reload', { by: who(res), ...r });
    res.status(r.ok ? 200 : 422).json(r);
  });

  mountRoute(router, opsConfigSpec, (_input, _req, res) => {
    res.json(deps.configInfo());
  });

  return router;
}
