// The send rate to one Kanta access point, shared by every gateway process on the same Redis: Kela may cut
// a connection whose traffic endangers the service (domain.md), and the agreed rate is the deployment's,
// not each process's. rate-limiter-flexible's RateLimiterRedis keeps one counter per access point
// (`{prefix}:rate:{accessPoint}`, fixed windows: SET NX EX + INCRBY in one script); its RateLimiterQueue
// lets this process's callers wait in arrival order until the window has room. Adding a process does
// not add rate, so maxRequestsPerSecond is the agreed rate itself.
//
// Windows are whole seconds (the library's unit): a rate of r per second allows floor(r·d) requests per
// window of d = ceil(1/r) seconds, never more than r on average. Within one second that straddles two
// windows up to twice the per-window count can pass; the count per window is what is bounded.
import type { Redis } from 'ioredis';
import { RateLimiterQueue, RateLimiterRedis } from 'rate-limiter-flexible';
import { GatewayError } from '../domain/errors.ts';
import { RedisKeys } from './redis-keys.ts';

export interface SharedRateLimiterOptions {
  /** Redis key prefix of the deployment (config redis.keyPrefix). */
  prefix: string;
  accessPoint: string;
  /** The agreed rate for the access point, all gateway processes together. */
  ratePerSecond: number;
}

/** Points per window and the window in seconds for a rate (see the file comment). */
export function windowFor(ratePerSecond: number): { points: number; durationSeconds: number } {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError('ratePerSecond must be a positive number');
  const durationSeconds = Math.max(1, Math.ceil(1 / ratePerSecond - 1e-9));
  return { points: Math.max(1, Math.floor(ratePerSecond * durationSeconds + 1e-9)), durationSeconds };
}

export class SharedRateLimiter {
  private readonly queue: RateLimiterQueue;
  private readonly key: string;

  constructor(redis: Redis, opts: SharedRateLimiterOptions) {
    const { points, durationSeconds } = windowFor(opts.ratePerSecond);
    const keys = new RedisKeys(opts.prefix);
    this.key = opts.accessPoint;
    const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: keys.rateLimitPrefix, points, duration: durationSeconds });
    this.queue = new RateLimiterQueue(limiter);
  }

  /**
   * Resolves when one request may go. A Redis failure is QUEUE_UNAVAILABLE (retryable): without the
   * shared counter no process may send, or together they could exceed the agreed rate.
   */
  async take(): Promise<void> {
    try {
      await this.queue.removeTokens(1, this.key);
    } catch (err) {
      throw new GatewayError('QUEUE_UNAVAILABLE', 'The shared send-rate counter in Redis is not reachable', { cause: err });
    }
  }
}
