// GET /metrics: this process's Prometheus registry (gateway/metrics.ts), unauthenticated like the
// health routes; restrict it at the network edge.
import express, { type Router } from 'express';
import type { Registry } from 'prom-client';
import { mountRoute } from '../api/mount-route.ts';
import { metricsSpec } from '../api/service-api.ts';

export function metricsRouter(registry: Registry): Router {
  const router = express.Router();
  mountRoute(router, metricsSpec, async (_input, _req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
