// The HTTP pipeline, top to bottom: request id → health, metrics and the API description (no auth) →
// authentication → tenant and operator routes → 404 → coded error rendering. Built from parts main.ts
// wires; no I/O happens here at construction.
import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { authenticate, type CredentialIndex } from './auth.ts';
import { errorHandler, notFound } from './http-errors.ts';
import type { Logger } from './logger.ts';
import { buildOpenApiDocument } from './api/openapi.ts';
import { healthRouter, type HealthDeps } from './routes/health.ts';
import { metricsRouter } from './routes/metrics.ts';
import { openApiRouter } from './routes/openapi.ts';
import { httpMetrics } from './http-metrics.ts';
import { accessLog } from './access-log.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface AppParts {
  logger: Logger;
  /** HTTP request metrics by route pattern and status. */
  httpMetrics?: Pick<GatewayMetrics, 'httpRequests' | 'httpDuration'>;
  health: HealthDeps;
  credentials: () => CredentialIndex;
  metricsRegistry?: Registry;
  /** audit retention / privacy: one access-log line per request (route pattern, never the URL). */
  accessLog?: Logger;
  /** Authenticated routers in the order they are tried (intake, status, rights, dry run, ops). */
  routers: Router[];
  // --- ops console (issue 15)
  /** The ops console's pages (gateway/console/), served under /ops/ with their own session login; not API routes. */
  console?: Router;
}

export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  if (parts.httpMetrics) app.use(httpMetrics(parts.httpMetrics));
  if (parts.accessLog) app.use(accessLog(parts.accessLog));
  app.use((req, res, next) => {
    res.setHeader('x-request-id', req.header('x-request-id')?.slice(0, 100) || randomUUID());
    next();
  });
  app.use(healthRouter(parts.health));
  if (parts.metricsRegistry) app.use(metricsRouter(parts.metricsRegistry));
  app.use(openApiRouter(buildOpenApiDocument()));
  if (parts.console) app.use('/ops', parts.console);
  app.use('/v1', authenticate(parts.credentials));
  for (const r of parts.routers) app.use(r);
  app.use(notFound);
  app.use(errorHandler(parts.logger));
  return app;
}
