// Builds ioredis connections from the redis config: a URL, or Redis Sentinel for failover. Passwords
// come from environment variables, never from the file. Redis Cluster is not supported: BullMQ needs
// hash-tagged prefixes and the document store's Lua scripts touch keys of several slots.
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { GatewayError } from '../domain/errors.ts';

function secret(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const v = env[name];
  if (v === undefined) throw new GatewayError('CONFIG_INVALID', `Environment variable ${name} (Redis password) is not set`);
  return v;
}

export function createRedis(cfg: Config['redis'], opts: RedisOptions, env: NodeJS.ProcessEnv = process.env): Redis {
  const password = secret(env, cfg.passwordEnv);
  if (cfg.sentinel) {
    const sentinelPassword = secret(env, cfg.sentinel.passwordEnv);
    return new Redis({
      ...opts,
      sentinels: cfg.sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: cfg.sentinel.name,
      ...(password ? { password } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
    });
  }
  return new Redis(cfg.url, { ...opts, ...(password ? { password } : {}) });
}
