// Refuses an evicting Redis: an evicted payload or state key is a lost document (libs.md).
import type { Redis } from 'ioredis';
import { GatewayError } from '../domain/errors.ts';

export async function assertNoEviction(redis: Redis, allow: boolean, logger: { warn(message: string, meta?: Record<string, unknown>): void }): Promise<void> {
  const info = await redis.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
  if (policy === 'noeviction') return;
  if (allow) {
    logger.warn('Redis evicts keys; allowed by redis.allowEvictingRedis (never in production)', { policy });
    return;
  }
  throw new GatewayError('QUEUE_REDIS_EVICTING', `Redis maxmemory-policy is ${policy}; set it to noeviction (or redis.allowEvictingRedis for tests)`);
}
