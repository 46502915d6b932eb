// The durable state of callback deliveries, one delivery per (event, receiver URL), in keys of its own
// (callback-keys.ts). A delivery is due, taken (due again after its lease, so a process that dies
// mid-attempt loses nothing), done (deleted) or dead (in the dead-letter list until an operator
// redelivers it). Every change is one MULTI, or the one claim script below.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CallbackEventType } from './callback-event.ts';
import { CallbackKeys } from './callback-keys.ts';

export interface DeliveryError {
  code: 'CALLBACK_TIMEOUT' | 'CALLBACK_CONNECTION' | 'CALLBACK_HTTP_STATUS';
  /** The receiver's HTTP status, for CALLBACK_HTTP_STATUS. */
  status?: number;
  message: string;
}

export interface Delivery {
  id: string;
  tenant: string;
  eventId: string;
  type: CallbackEventType;
  documentId: string;
  url: string;
  /** The exact body every attempt sends and signs. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  createdAt: string;
  lastAttemptAt?: string;
  lastError?: DeliveryError;
  deadAt?: string;
}

/** A new delivery of one event to one receiver. */
export type NewDelivery = Pick<Delivery, 'tenant' | 'eventId' | 'type' | 'documentId' | 'url' | 'body'>;

/** The same event and URL always give the same id, so a reclaimed event is not queued twice. */
export function deliveryId(eventId: string, url: string): string {
  return `${eventId}@${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

// Takes up to ARGV[3] due deliveries: each is pushed to the lease deadline ARGV[2] in the same step, so
// two processes never take the same one; an id whose data is gone is dropped.
// KEYS: due zset, deliveries hash. ARGV: now (ms), lease deadline (ms), count.
const CLAIM_LUA = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local d = redis.call('HGET', KEYS[2], id)
  if d then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = d
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

type WithClaim = Redis & { kgwCallbackClaim?: (due: string, deliveries: string, now: number, lease: number, count: number) => Promise<string[]> };

export class DeliveryStore {
  readonly keys: CallbackKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new CallbackKeys(prefix);
    const r = redis as WithClaim;
    if (!r.kgwCallbackClaim) r.defineCommand('kgwCallbackClaim', { numberOfKeys: 2, lua: CLAIM_LUA });
  }

  /** Queues deliveries due now; one already queued under the same id is left as it is. */
  async enqueue(items: readonly NewDelivery[], now: Date, extra?: { markerKey: string; markerTtlSeconds: number }): Promise<void> {
    if (items.length === 0 && !extra) return;
    const m = this.redis.multi();
    for (const it of items) {
      const d: Delivery = { id: deliveryId(it.eventId, it.url), ...it, attempts: 0, createdAt: now.toISOString() };
      m.hsetnx(this.keys.deliveries(it.tenant), d.id, JSON.stringify(d));
      m.zadd(this.keys.due(it.tenant), 'NX', now.getTime(), d.id);
    }
    if (extra) m.set(extra.markerKey, now.toISOString(), 'EX', extra.markerTtlSeconds);
    await execOrThrow(m);
  }

  /** Takes up to `count` due deliveries of a tenant, leased until `leaseUntil`. */
  async claimDue(tenant: string, count: number, now: Date, leaseUntil: Date): Promise<Delivery[]> {
    if (count < 1) return [];
    const raw = await (this.redis as WithClaim).kgwCallbackClaim!(this.keys.due(tenant), this.keys.deliveries(tenant), now.getTime(), leaseUntil.getTime(), count);
    return raw.map((s) => JSON.parse(s) as Delivery);
  }

  async complete(d: Delivery): Promise<void> {
    await execOrThrow(this.redis.multi().zrem(this.keys.due(d.tenant), d.id).hdel(this.keys.deliveries(d.tenant), d.id));
  }

  /** A failed attempt with attempts left: due again at `dueAt`. */
  async reschedule(d: Delivery, dueAt: Date): Promise<void> {
    await execOrThrow(this.redis.multi().hset(this.keys.deliveries(d.tenant), d.id, JSON.stringify(d)).zadd(this.keys.due(d.tenant), dueAt.getTime(), d.id));
  }

  /** Gives a delivery up: into the dead-letter list, out of the due set. */
  async bury(d: Delivery, now: Date): Promise<void> {
    const dead: Delivery = { ...d, deadAt: now.toISOString() };
    await execOrThrow(
      this.redis.multi().hset(this.keys.deliveries(d.tenant), d.id, JSON.stringify(dead)).zrem(this.keys.due(d.tenant), d.id).zadd(this.keys.dead(d.tenant), now.getTime(), d.id),
    );
  }

  /** A tenant's dead letters, newest first. */
  async deadLetters(tenant: string, limit: number): Promise<{ total: number; items: Delivery[] }> {
    const [total, ids] = await Promise.all([this.redis.zcard(this.keys.dead(tenant)), this.redis.zrevrange(this.keys.dead(tenant), 0, Math.max(0, limit - 1))]);
    if (ids.length === 0) return { total, items: [] };
    const raw = await this.redis.hmget(this.keys.deliveries(tenant), ...ids);
    return { total, items: raw.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as Delivery) };
  }

  /**
   * Puts dead letters back as due now with their attempts reset (the body and event id unchanged, so a
   * receiver that did get an earlier attempt can dedupe). `ids` absent: the oldest `limit` of the tenant.
   */
  async redeliver(tenant: string, opts: { ids?: readonly string[]; limit: number }, now: Date): Promise<string[]> {
    const ids = opts.ids ? [...opts.ids].slice(0, opts.limit) : await this.redis.zrange(this.keys.dead(tenant), "0", String(opts.limit - 1));
    if (ids.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.deliveries(tenant), ...ids);
    const dead = await Promise.all(ids.map((id) => this.redis.zscore(this.keys.dead(tenant), id)));
    const m = this.redis.multi();
    const moved: string[] = [];
    ids.forEach((id, i) => {
      const s = raw[i];
      if (typeof s !== 'string' || dead[i] === null) return;
      const { deadAt: _deadAt, ...rest } = JSON.parse(s) as Delivery;
      m.hset(this.keys.deliveries(tenant), id, JSON.stringify({ ...rest, attempts: 0 } satisfies Delivery));
      m.zrem(this.keys.dead(tenant), id);
      m.zadd(this.keys.due(tenant), now.getTime(), id);
      moved.push(id);
    });
    if (moved.length > 0) await execOrThrow(m);
    else m.discard();
    return moved;
  }

  /** Dead letters per tenant, and deliveries due or in flight per tenant (for the gauges). */
  async counts(tenants: readonly string[]): Promise<Array<{ tenant: string; dead: number; due: number }>> {
    if (tenants.length === 0) return [];
    const p = this.redis.pipeline();
    for (const t of tenants) p.zcard(this.keys.dead(t)).zcard(this.keys.due(t));
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    return tenants.map((tenant, i) => ({ tenant, dead: Number(res[2 * i]![1]), due: Number(res[2 * i + 1]![1]) }));
  }

  async hasMarker(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  /** One holder per `ms` across processes: true for the one that got it. */
  async takeLock(key: string, ms: number): Promise<boolean> {
    return (await this.redis.set(key, String(process.pid), 'PX', ms, 'NX')) === 'OK';
  }
}

async function execOrThrow(m: ReturnType<Redis['multi']>): Promise<void> {
  const res = await m.exec();
  if (!res) throw new Error('callback delivery transaction aborted');
  for (const [err] of res) if (err) throw err;
}
