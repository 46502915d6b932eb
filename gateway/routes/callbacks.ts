// The callback dead-letter view (docs/callbacks.md): operators see and redeliver every tenant's,
// a tenant sees its own.
import express, { type Router } from 'express';
import { GatewayError, storageCall } from '../../domain/errors.ts';
import { opsDeadLettersSpec, opsRedeliverSpec, tenantDeadLettersSpec } from '../api/callbacks-api.ts';
import { mountRoute } from '../api/mount-route.ts';
import { callerOf, tenantOf } from '../caller.ts';
import type { Delivery, DeliveryStore } from '../callbacks/delivery-store.ts';
import type { Logger } from '../logger.ts';

export interface CallbacksRouterDeps {
  deliveries: DeliveryStore;
  /** Ids of the tenants with callbacks configured. */
  tenants(): readonly string[];
  logger: Logger;
}

/** The receiver as shown: origin and path, never the query (it may carry a token). */
function receiverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function view(d: Delivery) {
  return {
    id: d.id,
    tenant: d.tenant,
    eventId: d.eventId,
    type: d.type,
    documentId: d.documentId,
    receiver: receiverOf(d.url),
    attempts: d.attempts,
    createdAt: d.createdAt,
    ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt } : {}),
    deadAt: d.deadAt ?? d.lastAttemptAt ?? d.createdAt,
    ...(d.lastError ? { lastError: d.lastError } : {}),
  };
}

export function callbacksRouter(deps: CallbacksRouterDeps): Router {
  const router = express.Router();
  const known = (tenant: string) => {
    if (!deps.tenants().includes(tenant)) throw new GatewayError('NOT_FOUND', 'No tenant with callbacks has this id');
  };

  mountRoute(router, opsDeadLettersSpec, async ({ query }, _req, res) => {
    if (query.tenant) known(query.tenant);
    const ids = query.tenant ? [query.tenant] : deps.tenants();
    const tenants = await storageCall(() => Promise.all(ids.map(async (tenant) => {
      const p = await deps.deliveries.deadLetters(tenant, query.limit);
      return { tenant, total: p.total, items: p.items.map(view) };
    })));
    res.json({ tenants });
  });

  mountRoute(
    router,
    opsRedeliverSpec,
    async ({ body }, _req, res) => {
      known(body.tenant);
      const ids = await storageCall(() => deps.deliveries.redeliver(body.tenant, { ...(body.ids ? { ids: body.ids } : {}), limit: body.limit }, new Date()));
      const by = callerOf(res);
      deps.logger.info('callback dead letters redelivered', { tenant: body.tenant, count: ids.length, by: by.kind === 'ops' ? by.id : by.tenant.id });
      res.json({ tenant: body.tenant, count: ids.length, ids });
    },
    { before: [express.json({ limit: '256kb' })] },
  );

  mountRoute(router, tenantDeadLettersSpec, async ({ query }, _req, res) => {
    const tenant = tenantOf(res);
    const p = await storageCall(() => deps.deliveries.deadLetters(tenant.id, query.limit));
    res.json({ total: p.total, items: p.items.map(view) });
  });
  return router;
}
