// Liveness and readiness. Readiness is false until a configuration is loaded, while Redis does not
// answer a PING, and once shutdown has begun (so a load balancer drains this process first).
import express, { type Router } from 'express';
import { mountRoute } from '../api/mount-route.ts';
import { healthzSpec, readyzSpec } from '../api/service-api.ts';

export interface HealthDeps {
  configLoaded(): { version: string } | undefined;
  pingRedis(): Promise<boolean>;
  shuttingDown(): boolean;
}

export function healthRouter(deps: HealthDeps): Router {
  const router = express.Router();
  mountRoute(router, healthzSpec, (_input, _req, res) => {
    res.json({ status: 'ok' });
  });
  mountRoute(router, readyzSpec, async (_input, _req, res) => {
    const config = deps.configLoaded();
    const redis = await deps.pingRedis().catch(() => false);
    const ready = !!config && redis && !deps.shuttingDown();
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not-ready',
      checks: { config: config ? { version: config.version } : false, redis, shuttingDown: deps.shuttingDown() },
    });
  });
  return router;
}
