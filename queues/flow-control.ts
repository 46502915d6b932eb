// Flow control: operator pause and resume of controllers (registries) and tenants, and the parking of a
// whole lane when the archive refuses a controller. The flags live in Redis (queues/redis-keys.ts), so
// every gateway process sees them; pausing also pauses the BullMQ queues themselves.
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.ts';
import { laneKey, parseLaneQueueName, type LaneRef, type QueueRegistry } from './topology.ts';

export interface ControlState {
  pausedControllers: string[];
  pausedTenants: string[];
  parkedLanes: Record<string, unknown>;
}

export interface FlowControlDeps {
  redis: Redis;
  keys: RedisKeys;
  producers: QueueRegistry;
  /** The lanes the configuration implies (the routing index's lane list). */
  knownLanes(): readonly LaneRef[];
  now(): Date;
}

export class FlowControl {
  private pausedCache: { at: number; set: Set<string> } | undefined;

  constructor(private readonly deps: FlowControlDeps) {}

  /** Paused controllers, re-read at most once a second (pausing also pauses the lane queues themselves). */
  async pausedControllers(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (!this.pausedCache || now - this.pausedCache.at > 1_000) {
      this.pausedCache = { at: now, set: new Set(await this.deps.redis.smembers(this.deps.keys.pausedControllers)) };
    }
    return this.pausedCache.set;
  }

  async pausedTenants(): Promise<ReadonlySet<string>> {
    return new Set(await this.deps.redis.smembers(this.deps.keys.pausedTenants));
  }

  private recent: { at: number; controllers: ReadonlySet<string>; tenants: ReadonlySet<string> } | undefined;
  private refreshing: Promise<void> | undefined;

  /**
   * Paused controllers and tenants as read within the last second, without waiting: for intake's direct
   * admission into a lane, which must not hang a request on the workers' patient connection. Undefined
   * when stale (a re-read starts in the background): the caller then takes the queued way. A pause
   * through this process applies at once, one through another process within a second.
   */
  recentPauses(): { controllers: ReadonlySet<string>; tenants: ReadonlySet<string> } | undefined {
    if (this.recent && Date.now() - this.recent.at <= 1_000) return this.recent;
    this.refreshing ??= (async () => {
      try {
        const [controllers, tenants] = await Promise.all([this.deps.redis.smembers(this.deps.keys.pausedControllers), this.deps.redis.smembers(this.deps.keys.pausedTenants)]);
        this.recent = { at: Date.now(), controllers: new Set(controllers), tenants: new Set(tenants) };
      } catch {
        // Redis unreachable: stay stale, so intake keeps taking the queued way.
      } finally {
        this.refreshing = undefined;
      }
    })();
    return undefined;
  }

  /** A controller's lanes: configured ones and any this process has a queue handle for. */
  lanesOf(controller: string): LaneRef[] {
    const lanes = new Map<string, LaneRef>();
    for (const l of this.deps.knownLanes()) if (l.controller === controller) lanes.set(laneKey(l), l);
    for (const name of this.deps.producers.names()) {
      const l = parseLaneQueueName(name);
      if (l && l.controller === controller) lanes.set(laneKey(l), l);
    }
    return [...lanes.values()];
  }

  async pauseController(controller: string, by: string): Promise<void> {
    const { redis, keys } = this.deps;
    await redis.sadd(keys.pausedControllers, controller);
    this.pausedCache = undefined;
    this.recent = undefined;
    await redis.hset(keys.pausedControllersBy, controller, JSON.stringify({ by, at: this.deps.now().toISOString() }));
    for (const lane of this.lanesOf(controller)) await this.deps.producers.lane(lane).pause();
  }

  /** Resumes a paused or parked controller: its lanes run again and new documents are admitted. */
  async resumeController(controller: string): Promise<void> {
    const { redis, keys } = this.deps;
    await redis.srem(keys.pausedControllers, controller);
    this.pausedCache = undefined;
    this.recent = undefined;
    await redis.hdel(keys.pausedControllersBy, controller);
    for (const lane of this.lanesOf(controller)) {
      await redis.hdel(keys.parkedLanes, laneKey(lane));
      await this.deps.producers.lane(lane).resume();
    }
  }

  async pauseTenant(tenant: string): Promise<void> {
    await this.deps.redis.sadd(this.deps.keys.pausedTenants, tenant);
    this.recent = undefined;
    await this.deps.producers.intake(tenant).pause();
  }

  async resumeTenant(tenant: string): Promise<void> {
    await this.deps.redis.srem(this.deps.keys.pausedTenants, tenant);
    this.recent = undefined;
    await this.deps.producers.intake(tenant).resume();
  }

  /** The archive refused the lane's controller: the lane stops until an operator resumes the controller. */
  async parkLane(lane: LaneRef, code: string, text: string): Promise<void> {
    const { redis, keys } = this.deps;
    await redis.hset(keys.parkedLanes, laneKey(lane), JSON.stringify({ code, text, at: this.deps.now().toISOString() }));
    await redis.sadd(keys.pausedControllers, lane.controller);
    this.pausedCache = undefined;
    this.recent = undefined;
    await this.deps.producers.lane(lane).pause();
  }

  async controlState(): Promise<ControlState> {
    const { redis, keys } = this.deps;
    const [pausedControllers, pausedTenants, parked] = await Promise.all([redis.smembers(keys.pausedControllers), redis.smembers(keys.pausedTenants), redis.hgetall(keys.parkedLanes)]);
    return { pausedControllers, pausedTenants, parkedLanes: Object.fromEntries(Object.entries(parked).map(([k, v]) => [k, JSON.parse(v)])) };
  }
}
