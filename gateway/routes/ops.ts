// Operator API: watch queues, look up documents and parked ones (either role); pause and resume
// controllers and tenants, rerun parked documents, reload configuration (the operator role). Each
// action and each document read is written to the usage log under the operator's name.
import express, { type Router } from 'express';
import type { Pipeline } from '../../queues/pipeline.ts';
import type { DocumentStore } from '../../queues/document-store.ts';
import { callerOf, requireOps } from '../caller.ts';
import type { Logger } from '../logger.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { opsDocumentReadEvent, opsEvents } from '../audit/audit-events.ts';
import type { Tenant } from '../../config/schema.ts';
import type { IdentityReport } from '../../certs/keystore.ts';
import { GatewayError } from '../../domain/errors.ts';
import { mountRoute } from '../api/mount-route.ts';
import {
  opsCertificatesSpec,
  opsConfigDryRunSpec,
  opsConfigReloadSpec,
  opsConfigSpec,
  opsDocumentSpec,
  opsOverviewSpec,
  opsParkedSpec,
  opsQueuesSpec,
  opsRerunPreviewSpec,
  opsRerunSpec,
  opsTaskSpec,
  pauseSpecs,
  resumeSpecs,
} from '../api/ops-api.ts';
import type { OpsOverview } from '../ops/ops-overview.ts';
import { findDocument, opsDocumentView } from '../ops/ops-document-view.ts';
import { MAX_RERUN, parkedPage, rerunPreview, type ParkedFilter } from '../ops/parked-documents.ts';
import type { RerunRequest, RerunTasks } from '../ops/rerun-tasks.ts';
import { MAX_DRY_RUN_BYTES, type ConfigDryRunReport } from '../ops/config-dry-run.ts';

type ReloadAnswer = { ok: boolean; version?: string; changed?: boolean; error?: string; keptVersion?: string };

export interface OpsDeps {
  pipeline: Pipeline;
  store: DocumentStore;
  /** `by`: the operator, written to the usage log with the versions before and after. */
  reloadConfig(by: string): ReloadAnswer | Promise<ReloadAnswer>;
  configInfo(): { version: string; file: string; loadedAt: string; lastReloadError?: string };
  accessPoints(): string[];
  tenant(id: string): Tenant | undefined;
  /** Whether an operator may pause or resume this controller: configured, or known to Redis. */
  knownController(oid: string): Promise<boolean>;
  overview(): Promise<OpsOverview>;
  tasks: RerunTasks;
  certificates(): IdentityReport[];
  configDryRun(text: string): ConfigDryRunReport;
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

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The actions behind both the JSON API and the console: one place checks targets and writes the usage log. */
export function opsActions(deps: OpsDeps) {
  return {
    async pauseOrResumeController(action: 'pause' | 'resume', oid: string, by: string): Promise<void> {
      if (!(await deps.knownController(oid))) throw new GatewayError('OPS_UNKNOWN_CONTROLLER', undefined, { details: { controller: oid } });
      if (action === 'pause') await deps.pipeline.pauseController(oid, by);
      else await deps.pipeline.resumeController(oid);
      for (const ev of opsEvents({ opsId: by, operation: `${action}-controller`, controller: oid })) await deps.audit?.append(ev);
      deps.logger.info(`controller ${action}d`, { controller: oid, by });
    },
    async pauseOrResumeTenant(action: 'pause' | 'resume', id: string, by: string): Promise<void> {
      const tenant = deps.tenant(id);
      if (!tenant) throw new GatewayError('OPS_UNKNOWN_TENANT', undefined, { details: { tenant: id } });
      if (action === 'pause') await deps.pipeline.pauseTenant(id);
      else await deps.pipeline.resumeTenant(id);
      for (const ev of opsEvents({ opsId: by, operation: `${action}-tenant`, tenant })) await deps.audit?.append(ev);
      deps.logger.info(`tenant ${action}d`, { tenant: id, by });
    },
    async startRerun(request: RerunRequest, by: string) {
      const task = await deps.tasks.start(request, by);
      deps.logger.info('rerun task started', { by, task: task.id, ...('filter' in request ? { filter: request.filter, limit: request.limit } : { documents: request.documents.length }) });
      return task;
    },
    async readDocument(id: string, by: string) {
      const rec = await findDocument(deps.store, id);
      if (!rec) throw new GatewayError('NOT_FOUND', 'No such document');
      // Like a tenant's status read, an operator's discloses that the client's document exists: logged.
      await deps.audit?.append(opsDocumentReadEvent({ opsId: by, record: rec }));
      return { ...(await opsDocumentView(deps.store, rec)), redisBytes: await deps.store.memoryUsage(rec.tenant, rec.documentId) };
    },
    async reload(by: string) {
      const r = await deps.reloadConfig(by);
      deps.logger.log(r.ok ? 'info' : 'warn', 'configuration reload', { by, ...r });
      return r;
    },
  };
}

export function opsRouter(deps: OpsDeps): Router {
  const router = express.Router();
  const actions = opsActions(deps);
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
      await actions.pauseOrResumeController(action, oid, who(res));
      res.json({ controller: oid, state: action === 'pause' ? 'paused' : 'running' });
    });
    mountRoute(router, specs.tenant, async ({ params: { id } }, _req, res) => {
      await actions.pauseOrResumeTenant(action, id, who(res));
      res.json({ tenant: id, state: action === 'pause' ? 'paused' : 'running' });
    });
  }

  mountRoute(router, opsRerunSpec, async ({ body }, _req, res) => {
    const b = body ?? {};
    const request: RerunRequest = b.documents
      ? { documents: b.documents }
      : { filter: defined({ code: b.code, tenant: b.tenant, controller: b.controller, from: b.from, to: b.to }) as ParkedFilter, limit: b.limit ?? MAX_RERUN };
    const task = await actions.startRerun(request, who(res));
    res.status(202).json({ task, statusUrl: `/v1/ops/tasks/${task.id}` });
  });

  mountRoute(router, opsRerunPreviewSpec, async ({ body }, _req, res) => {
    const b = body ?? {};
    res.json(await rerunPreview(deps.pipeline, defined({ code: b.code, tenant: b.tenant, controller: b.controller, from: b.from, to: b.to }) as ParkedFilter, b.limit ?? MAX_RERUN));
  });

  mountRoute(router, opsTaskSpec, async ({ params: { id } }, _req, res) => {
    res.json(await deps.tasks.require(id));
  });

  mountRoute(router, opsParkedSpec, async ({ query }, _req, res) => {
    const { offset, limit, ...filter } = query;
    res.json(await parkedPage(deps.pipeline, defined(filter) as ParkedFilter, { offset, limit }));
  });

  mountRoute(router, opsOverviewSpec, async (_input, _req, res) => {
    res.json(await deps.overview());
  });

  mountRoute(router, opsDocumentSpec, async ({ params: { id } }, _req, res) => {
    res.json(await actions.readDocument(id, who(res)));
  });

  mountRoute(router, opsCertificatesSpec, (_input, _req, res) => {
    res.json({ certificates: deps.certificates().map((c) => ({ identityId: c.identityId, usage: c.usage, ...(c.organisation ? { organisation: c.organisation } : {}), subject: c.subject, issuer: c.issuer, serial: c.serial, notAfter: c.notAfter, daysLeft: c.daysLeft, active: c.active, state: c.state })) });
  });

  mountRoute(
    router,
    opsConfigDryRunSpec,
    (_input, req, res) => {
      if (typeof req.body !== 'string' || req.body.length === 0) throw new GatewayError('REQUEST_INVALID', 'Send the candidate file as the body, Content-Type application/yaml');
      res.json(deps.configDryRun(req.body));
    },
    { before: [express.text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], limit: MAX_DRY_RUN_BYTES })] },
  );

  mountRoute(router, opsConfigReloadSpec, async (_input, _req, res) => {
    const r = await actions.reload(who(res));
    res.status(r.ok ? 200 : 422).json(r);
  });

  mountRoute(router, opsConfigSpec, (_input, _req, res) => {
    res.json(deps.configInfo());
  });

  return router;
}
