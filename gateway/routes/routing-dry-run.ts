// POST /v1/routing/dry-run (ops): replays the routing of the last N accepted documents (the routing
// journal) against a candidate configuration and the current one, with the same right state and the
// same `now` (the original acceptance time), so the difference is the configuration's alone.
import express from 'express';
import { GatewayError } from '../../domain/errors.ts';
import { mountRoute, type RouteHandler } from '../api/mount-route.ts';
import { routingDryRunSpec } from '../api/routing-dry-run-api.ts';
import type { DecisionSummary, DryRunItem, DryRunReport } from '../registry-rights/dry-run-report.ts';
import { isConfigError, validateConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { buildRoutingIndex, type RoutingIndex } from '../routing/index-build.ts';
import { decide } from '../routing/decide.ts';
import type { RoutingOutcome } from '../routing/types.ts';
import type { RegistryRightStore } from '../registry-rights/right-store.ts';
import type { JournalEntry, RoutingJournal } from '../registry-rights/routing-journal.ts';

export type { DecisionSummary, DryRunItem, DryRunReport } from '../registry-rights/dry-run-report.ts';

function summary(d: RoutingOutcome): DecisionSummary {
  return d.accepted ? { accepted: true, ruleId: d.ruleId, controller: d.controller } : { accepted: false, ruleId: d.ruleId, code: d.code };
}

const same = (a: DecisionSummary, b: DecisionSummary) => a.accepted === b.accepted && a.ruleId === b.ruleId && a.controller === b.controller && a.code === b.code;

/** The comparison itself, without HTTP: exported for the ops CLI and tests. */
export async function dryRun(args: {
  entries: JournalEntry[];
  rights: RegistryRightStore;
  current: RoutingIndex;
  candidate: RoutingIndex;
  includeUnchanged?: boolean;
}): Promise<DryRunReport> {
  const pairs = new Map<string, { organizer: string; clientKey: string }>();
  for (const e of args.entries) pairs.set(`${e.meta.custodian}|${e.clientKey}`, { organizer: e.meta.custodian, clientKey: e.clientKey });
  const states = await args.rights.currentMany([...pairs.values()]);
  const items: DryRunItem[] = [];
  let changed = 0;
  for (const e of args.entries) {
    const input = {
      tenant: { id: e.tenantId },
      meta: e.meta,
      operation: e.operation,
      rights: states.get(`${e.meta.custodian}|${e.clientKey}`),
      ...(e.parent ? { parent: e.parent } : {}),
      now: new Date(e.at),
    };
    const before = summary(decide({ ...input, index: args.current }));
    const after = summary(decide({ ...input, index: args.candidate }));
    const isChanged = !same(before, after);
    if (isChanged) changed += 1;
    if (isChanged || args.includeUnchanged) {
      items.push({ documentId: e.meta.documentId, tenantId: e.tenantId, operation: e.operation, at: e.at, changed: isChanged, before, after });
    }
  }
  return { currentVersion: args.current.configVersion, candidateVersion: args.candidate.configVersion, examined: args.entries.length, changed, items };
}

export function routingDryRunRouter(deps: {
  journal: RoutingJournal;
  rights: RegistryRightStore;
  current: () => { config: Config; version: string; index: RoutingIndex };
}): express.Router {
  const router = express.Router();
  const handler: RouteHandler<typeof routingDryRunSpec> = async ({ query, body: raw }, _req, res) => {
    const { limit } = query;
    let candidate;
    try {
      // File references are not read by routing; resolving them against the working directory is harmless.
      candidate = validateConfig(raw, 'dry-run candidate', process.cwd());
    } catch (err) {
      if (isConfigError(err)) throw new GatewayError('REQUEST_INVALID', 'The candidate configuration is invalid', { details: { issues: err.details.issues } });
      throw err;
    }
    const current = deps.current();
    const candidateIndex = buildRoutingIndex(candidate.config, candidate.version, { caseDocumentGroups: [...current.index.caseDocumentGroups] });
    const entries = await deps.journal.recent(limit);
    const report = await dryRun({
      entries,
      rights: deps.rights,
      current: current.index,
      candidate: candidateIndex,
      includeUnchanged: query.all === 'true' || query.all === '1',
    });
    res.json(report);
  };
  mountRoute(router, routingDryRunSpec, handler, { before: [express.json({ limit: '1mb' })] });
  return router;
}
