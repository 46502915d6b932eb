// What the gateway does when the queues report on a document: metrics, the usage log entry for a
// finished document, and an operator-readable log line (never the content or the client).
import { errorCodeOf } from '../domain/errors.ts';
import type { PipelineEvents } from '../queues/pipeline.ts';
import type { FinishedEvent } from '../queues/send-processor.ts';
import { documentFinishedEvent } from './audit/audit-events.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { Logger } from './logger.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface DocumentEventDeps {
  metrics: GatewayMetrics;
  audit: AuditLog;
  logger: Logger;
  /** Rights an asiakkuusasiakirja granted come into force (archived) or are withdrawn (refused, parked). */
  settleRights?: (record: FinishedEvent['record'], status: 'archived' | 'rejected' | 'parked') => Promise<void>;
}

export function documentEventHandlers(deps: DocumentEventDeps): PipelineEvents {
  const { metrics, audit, logger } = deps;
  return {
    // Written before the document's terminal state, awaited: no crash can leave a finished document
    // without its usage-log entry (a failed append fails the job, which resends the same bytes).
    recordFinished: async (e) => {
      const ev = documentFinishedEvent(e);
      if (ev) await audit.append(ev);
    },
    onFinished: (e) => {
      // Also settled lazily at the next intake that reads the right, should this be lost to a crash.
      if (e.status === 'archived' || e.status === 'rejected' || e.status === 'parked') {
        void deps.settleRights?.(e.record, e.status).catch((err) => logger.error('registry-right settlement failed', { documentId: e.record.documentId, code: errorCodeOf(err) }));
      }
      metrics.documentsFinished.inc({ controller: e.record.controller, status: e.status, code: e.code ?? '' });
      logger.log(e.status === 'archived' ? 'info' : 'warn', `document ${e.status}`, { tenant: e.record.tenant, documentId: e.record.documentId, controller: e.record.controller, code: e.code });
    },
    onRetryBudgetExhausted: (r) => {
      metrics.retryBudgetExhausted.inc({ controller: r.controller });
      logger.error('retry budget exhausted: document parked', { tenant: r.tenant, documentId: r.documentId, controller: r.controller });
    },
    onSend: (ap, r) => metrics.sendDuration.observe({ access_point: ap, outcome: r.action }, r.durationMs / 1000),
    // The circuit-state gauge is read at scrape time (gateway/metrics-sources.ts); this is the log line.
    onCircuit: (ap, state) => {
      logger.warn('circuit breaker', { accessPoint: ap, state });
    },
    onError: (where, err) => logger.error('queue error', { where, error: (err as Error).message }),
  };
}
