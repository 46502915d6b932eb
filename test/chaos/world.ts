// The processes a chaos scenario disturbs: redis-server with an AOF (appendfsync everysec, as in
// production), the Kanta double with durable state, and one or two gateway processes (`serve`) on the
// same Redis. Each can be killed with SIGKILL and started again on the same data.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { freePort, startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { createDemoPki, startDoubleProcess, startGatewayProcess, writeGatewayConfig, type DoubleProcess, type GatewayConfigFile, type GatewayProcess } from '../helpers/processes.ts';

export interface ChaosWorld {
  dir: string;
  redis: LocalRedis;
  pki: TestPkiManifest;
  double: DoubleProcess;
  config: GatewayConfigFile;
  gateways: GatewayProcess[];
  restartGateway(i: number, signal?: NodeJS.Signals): Promise<void>;
  restartRedis(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosWorld(name: string, opts: { gateways?: number; override?: (c: ConfigInput) => void } = {}): Promise<ChaosWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kgw-chaos-${name}-`));
  const redisDir = path.join(dir, 'redis');
  let redis = await startLocalRedis({ dir: redisDir, appendOnly: true });
  const pki = await createDemoPki(path.join(dir, 'pki'));
  const double = await startDoubleProcess(pki, path.join(dir, 'double'), { stateDir: path.join(dir, 'double-state') });
  const override = (c: ConfigInput) => {
    // Short sweeps and lock times so that a killed process's work is picked up within seconds.
    c.queues = { ...c.queues, sweepIntervalMs: 2_000, lockDurationMs: 5_000 };
    opts.override?.(c);
  };
  const cfg = await writeGatewayConfig(dir, pki, redis.url, double.url, override);
  // Further processes run the same configuration on their own port (KGW_PORT overrides the file).
  const ports = [cfg.port];
  for (let i = 1; i < (opts.gateways ?? 1); i++) ports.push(await freePort());
  const startGateway = (i: number) => startGatewayProcess(cfg.configFile, ports[i]!, { KGW_PORT: String(ports[i]) });
  const gateways: GatewayProcess[] = [];
  for (let i = 0; i < ports.length; i++) gateways.push(await startGateway(i));
  const world: ChaosWorld = {
    dir,
    redis,
    pki,
    double,
    config: cfg,
    gateways,
    async restartGateway(i, signal = 'SIGKILL') {
      await gateways[i]!.kill(signal);
      gateways[i] = await startGateway(i);
    },
    async restartRedis(signal) {
      const port = redis.port;
      redis.process.kill(signal);
      await new Promise<void>((resolve) => (redis.process.exitCode !== null || redis.process.signalCode !== null ? resolve() : redis.process.once('exit', () => resolve())));
      redis = await startLocalRedis({ dir: redisDir, appendOnly: true, port });
      world.redis = redis;
    },
    async stop() {
      for (const g of gateways) await g.kill().catch(() => {});
      await double.kill().catch(() => {});
      await world.redis.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
