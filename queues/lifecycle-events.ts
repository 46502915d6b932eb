// Reader of a tenant's durable lifecycle stream ({prefix}:events:{tenant}), which every transition
// appends to in the same Lua script that writes the state (queues/commands/). Entries carry ids,
// status and code only, never document content or a hetu. A reader keeps the id of the last entry it
// handled and reads on from there; the stream is trimmed to about eventStreamMaxLen entries, so a
// reader that falls further behind than that misses the oldest (the record stays the truth).
import type { Redis } from 'ioredis';
import type { DocumentStatus } from '../domain/document-record.ts';
import { GatewayError } from '../domain/errors.ts';
import { TRANSITION_KINDS, type LifecycleEvent, type TransitionKind } from '../domain/lifecycle.ts';
import { RedisKeys } from './redis-keys.ts';

export type { LifecycleEvent } from '../domain/lifecycle.ts';

export interface ReadEventsOptions {
  /** Read entries after this id ('0' or absent: from the oldest kept). */
  after?: string;
  /** At most this many entries (default 100, at most 10 000). */
  count?: number;
  /** Wait up to this long for a first entry when none is there yet (XREAD BLOCK); needs a connection of its own. */
  blockMs?: number;
}

export interface EventPage {
  events: LifecycleEvent[];
  /** Where to read on from: the last entry's id, or `after` when there was none. */
  next: string;
}

const STREAM_ID = /^\d+(-\d+)?$/;
const KINDS = new Set<string>(TRANSITION_KINDS);

function toEvent(id: string, flat: string[]): LifecycleEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  if (!KINDS.has(f.type ?? '')) throw new GatewayError('INTERNAL', `lifecycle stream entry ${id} has an unknown type`);
  return {
    id,
    type: f.type as TransitionKind,
    documentId: f.documentId ?? '',
    submissionId: f.submissionId ?? '',
    status: f.status as DocumentStatus | 'discarded',
    ...(f.code ? { code: f.code } : {}),
    at: f.at ?? '',
  };
}

export class LifecycleEvents {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  /** The tenant's events after `after`, oldest first. */
  async read(tenant: string, opts: ReadEventsOptions = {}): Promise<EventPage> {
    const after = opts.after ?? '0';
    if (!STREAM_ID.test(after)) throw new GatewayError('REQUEST_INVALID', 'after must be a stream id such as 1700000000000-0');
    const count = opts.count ?? 100;
    if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new GatewayError('REQUEST_INVALID', 'count must be 1 to 10000');
    const key = this.keys.events(tenant);
    let entries: Array<[string, string[]]>;
    if (opts.blockMs !== undefined) {
      const res = (await this.redis.xread('COUNT', count, 'BLOCK', opts.blockMs, 'STREAMS', key, after)) as Array<[string, Array<[string, string[]]>]> | null;
      entries = res?.[0]?.[1] ?? [];
    } else {
      // Exclusive start ("(" id): the entry `after` itself was handled already.
      entries = (await this.redis.xrange(key, after === '0' ? '-' : `(${after}`, '+', 'COUNT', count)) as Array<[string, string[]]>;
    }
    const events = entries.map(([id, flat]) => toEvent(id, flat));
    return { events, next: events.at(-1)?.id ?? after };
  }

  // --- consumer groups (callbacks, issue 12 item 3): several gateway processes share one tenant's
  // stream; an entry read but never acknowledged (a process died) is claimed by another after minIdleMs.

  /** Creates the group if it does not exist, starting at `start` ('0': every kept entry; '$': only new ones). */
  async ensureGroup(tenant: string, group: string, start: '0' | '$' = '0'): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.events(tenant), group, start, 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  /** New entries for `consumer` (XREADGROUP >), without blocking; they stay pending until acknowledged. */
  async readGroup(tenant: string, group: string, consumer: string, count: number): Promise<LifecycleEvent[]> {
    const res = (await this.redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.keys.events(tenant), '>')) as Array<[string, Array<[string, string[]]>]> | null;
    return (res?.[0]?.[1] ?? []).map(([id, flat]) => toEvent(id, flat));
  }

  /** Takes over entries pending longer than minIdleMs with any consumer (XAUTOCLAIM); trimmed-away ones are dropped. */
  async claimStale(tenant: string, group: string, consumer: string, minIdleMs: number, count: number): Promise<LifecycleEvent[]> {
    const res = (await this.redis.xautoclaim(this.keys.events(tenant), group, consumer, minIdleMs, '0-0', 'COUNT', count)) as [string, Array<[string, string[]] | null>, string[]?];
    return (res[1] ?? []).filter((e): e is [string, string[]] => e !== null && Array.isArray(e[1])).map(([id, flat]) => toEvent(id, flat));
  }

  async ack(tenant: string, group: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xack(this.keys.events(tenant), group, ...ids);
  }

  /** Entries the group has not read yet plus those read and not acknowledged (XINFO GROUPS lag + pending). */
  async groupBacklog(tenant: string, group: string): Promise<number> {
    let groups: unknown[];
    try {
      groups = (await this.redis.xinfo('GROUPS', this.keys.events(tenant))) as unknown[];
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return 0;
      throw err;
    }
    for (const g of groups as unknown[][]) {
      const f: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) f[String(g[i])] = g[i + 1];
      if (f.name !== group) continue;
      const lag = typeof f.lag === 'number' ? f.lag : 0; // null when Redis cannot tell (after trimming)
      return lag + Number(f.pending ?? 0);
    }
    return 0;
  }

  /** Id of the tenant's newest event ('0' when there is none): a new reader that wants only what comes next starts here. */
  async latestId(tenant: string): Promise<string> {
    const last = (await this.redis.xrevrange(this.keys.events(tenant), '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    return last[0]?.[0] ?? '0';
  }
}
