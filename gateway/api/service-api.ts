// Unauthenticated service routes: liveness, readiness, Prometheus metrics and this API description.
import { z } from 'zod';
import { defineRoute } from './route-spec.ts';

const TAGS = ['service'] as const;

export const healthzSpec = defineRoute({
  operationId: 'getHealthz',
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers',
  tags: TAGS,
  auth: 'none',
  responses: {
    200: { description: 'The process is alive.', content: { 'application/json': z.object({ status: z.literal('ok') }) } },
  },
  errors: [],
});

const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.object({
    config: z.union([z.literal(false), z.object({ version: z.string() })]).meta({ description: 'The loaded configuration version, or false while none is loaded.' }),
    redis: z.boolean().meta({ description: 'Redis answered PING.' }),
    shuttingDown: z.boolean().meta({ description: 'Shutdown has begun: the load balancer should drain this process.' }),
  }),
});

export const readyzSpec = defineRoute({
  operationId: 'getReadyz',
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: configuration loaded, Redis reachable, not shutting down',
  tags: TAGS,
  auth: 'none',
  responses: {
    200: { description: 'Ready to take requests.', content: { 'application/json': readinessSchema } },
    503: { description: 'Not ready; `checks` says why.', content: { 'application/json': readinessSchema } },
  },
  errors: [],
});

export const metricsSpec = defineRoute({
  operationId: 'getMetrics',
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics of this process (kgw_*)',
  description: 'Text exposition format 0.0.4; the metrics are listed in docs/operations.md.',
  tags: TAGS,
  auth: 'none',
  responses: {
    200: { description: 'Metrics in the Prometheus text format.', content: { 'text/plain': z.string() } },
  },
  errors: [],
});

export const openApiSpec = defineRoute({
  operationId: 'getOpenApi',
  method: 'get',
  path: '/openapi.json',
  summary: 'This API description (OpenAPI 3.1)',
  tags: TAGS,
  auth: 'none',
  responses: {
    200: { description: 'The OpenAPI 3.1 document generated from the route schemas.', content: { 'application/json': z.record(z.string(), z.unknown()) } },
  },
  errors: [],
});
