// GET /v1/documents/:id — a document's progress, only to the tenant that sent it. The id may be the
// document OID or the submission id from the receipt. Another tenant's document is "not found", not
// "forbidden": the API does not confirm that someone else's document exists.
import express, { type Router } from 'express';
import type { DocumentStore } from '../../queues/document-store.ts';
import { statusReadEvent } from '../audit/audit-events.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { tenantOf } from '../caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import { documentStatusSpec } from '../api/documents-api.ts';
import { mountRoute } from '../api/mount-route.ts';
import { progressOf } from './receipt.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function statusRouter(deps: { store: DocumentStore; audit?: AuditLog }): Router {
  const router = express.Router();
  mountRoute(router, documentStatusSpec, async ({ params }, _req, res) => {
    const tenant = tenantOf(res);
    let documentId = params.id;
    if (UUID.test(documentId)) {
      const sub = await deps.store.bySubmission(documentId);
      if (!sub || sub.tenant !== tenant.id) throw new GatewayError('NOT_FOUND', 'No such document for this tenant');
      documentId = sub.documentId;
    }
    const rec = await deps.store.get(tenant.id, documentId);
    if (!rec) throw new GatewayError('NOT_FOUND', 'No such document for this tenant');
    // A status read discloses that the client's document exists and where it is: it is logged.
    await deps.audit?.append(statusReadEvent({ tenant, record: rec }));
    const [history, redisBytes] = await Promise.all([deps.store.history(tenant.id, documentId), deps.store.memoryUsage(tenant.id, documentId)]);
    res.json({ ...progressOf(rec, history), redisBytes });
  });
  return router;
}
