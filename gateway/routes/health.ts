// Liveness and readiness. Readiness is false until a configuration is loaded, while Redis does not
// answer a PING, and once shutdown has begun (so a load balancer drains this process first).
import express, { type Router } from 'express';

export interface HealthDeps {
  configLoaded(): { version: string } | undefined;
  pingRedis(): Promise<boolean>;
  shuttingDown(): boolean;
}

export function healthRouter(deps: HealthDeps): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
