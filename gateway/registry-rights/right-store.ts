// Registry-use right state per (organizer, client) in Redis (kanta.md §4, seed 004 §3.3). Learned from
// the organizer's asiakkuusasiakirjat passing through the gateway (the latest version of a document set
// wins; a lower version arriving later changes nothing) or set through the API by an organizer whose
// documents go elsewhere. Every change is appended to a history with its effective time; nothing is
// overwritten there. The client is held only as clientKey(): no hetu in right state.
//
// Keys (hash tag keeps one client's keys in one cluster slot):
//   {prefix}:rko:{<organizer>:<clientKey>}:cur   JSON RightSnapshot
//   {prefix}:rko:{<organizer>:<clientKey>}:ver   hash setId → highest versionNumber applied
//   {prefix}:rko:{<organizer>:<clientKey>}:hist  list of JSON RightChange, oldest first
//   {prefix}:rko:client:<clientKey>              set of organizers holding state for the client
import type { Redis } from 'ioredis';
import { GatewayError } from '../../domain/errors.ts';
import { clientKey as makeClientKey } from '../routing/client-key.ts';
import type { RightChange, RightEntriesByTask, RightSnapshot } from '../routing/types.ts';
import { OID_PATTERN } from '../../domain/values.ts';


export interface ClientId {
  root: string;
  extension?: string;
}

export interface RegistryRightStoreOptions {
  prefix: string;
  /** HMAC secret of clientKey(); the same secret must be given to the routing journal's writer. */
  clientKeySecret: string;
}

// Version gate, state and history in one step, so two versions racing never leave the older one current.
const LEARN_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and tonumber(v) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[4])
return 1
`;

const PUT_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`;

export class RegistryRightStore {
  private readonly prefix: string;
  private readonly secret: string;

  constructor(
    private readonly redis: Redis,
    opts: RegistryRightStoreOptions,
  ) {
    if (!opts.prefix) throw new GatewayError('CONFIG_INVALID', 'RegistryRightStore needs a key prefix');
    if (!opts.clientKeySecret) throw new GatewayError('CONFIG_INVALID', 'RegistryRightStore needs a clientKeySecret');
    this.prefix = opts.prefix;
    this.secret = opts.clientKeySecret;
  }

  clientKey(client: ClientId): string {
    return makeClientKey(client, this.secret);
  }

  private keys(organizer: string, key: string) {
    const base = `${this.prefix}:rko:{${organizer}:${key}}`;
    return { cur: `${base}:cur`, ver: `${base}:ver`, hist: `${base}:hist`, client: `${this.prefix}:rko:client:${key}` };
  }

  async current(organizer: string, client: ClientId): Promise<RightSnapshot | undefined> {
    return this.currentByKey(organizer, this.clientKey(client));
  }

  /** For callers that hold only the pseudonym (the routing journal and its dry run). */
  async currentByKey(organizer: string, key: string): Promise<RightSnapshot | undefined> {
    return parseSnapshot(await this.redis.get(this.keys(organizer, key).cur));
  }

  /** Current state of many (organizer, clientKey) pairs in one round trip, keyed `${organizer}|${clientKey}`. */
  async currentMany(pairs: readonly { organizer: string; clientKey: string }[]): Promise<Map<string, RightSnapshot>> {
    const out = new Map<string, RightSnapshot>();
    if (pairs.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const p of pairs) pipeline.get(this.keys(p.organizer, p.clientKey).cur);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, value], i) => {
      if (err) throw new GatewayError('QUEUE_UNAVAILABLE', 'Reading registry-right state failed', { cause: err });
      const snap = parseSnapshot(value as string | null);
      const p = pairs[i]!;
      if (snap) out.set(`${p.organizer}|${p.clientKey}`, snap);
    });
    return out;
  }

  /** Organizers holding right state for a client (visibility queries). */
  async organizersOf(client: ClientId): Promise<string[]> {
    return (await this.redis.smembers(this.keys('', this.clientKey(client)).client)).sort();
  }

  async learnFromDocument(args: {
    organizer: string;
    client: ClientId;
    setId: string;
    versionNumber: number;
    documentId: string;
    entries: RightEntriesByTask;
    at: Date;
  }): Promise<{ applied: boolean }> {
    checkOid(args.organizer, 'organizer');
    checkOid(args.setId, 'setId');
    checkOid(args.documentId, 'documentId');
    if (!Number.isInteger(args.versionNumber) || args.versionNumber < 1) throw new GatewayError('REQUEST_INVALID', 'versionNumber must be a positive integer');
    const key = this.clientKey(args.client);
    const k = this.keys(args.organizer, key);
    const snapshot: RightSnapshot = {
      organizer: args.organizer,
      clientKey: key,
      entries: args.entries,
      source: { kind: 'document', documentId: args.documentId, setId: args.setId, versionNumber: args.versionNumber },
      effectiveAt: isoOf(args.at),
    };
    const applied = await this.redis.eval(LEARN_SCRIPT, 4, k.ver, k.cur, k.hist, k.client, args.setId, String(args.versionNumber), JSON.stringify(snapshot), args.organizer);
    return { applied: applied === 1 };
  }

  async put(args: { organizer: string; client: ClientId; entries: RightEntriesByTask; at: Date; by: string }): Promise<RightSnapshot> {
    checkOid(args.organizer, 'organizer');
    if (!args.by) throw new GatewayError('REQUEST_INVALID', 'put needs the caller id (by)');
    const key = this.clientKey(args.client);
    const k = this.keys(args.organizer, key);
    const snapshot: RightSnapshot = { organizer: args.organizer, clientKey: key, entries: args.entries, source: { kind: 'api', by: args.by }, effectiveAt: isoOf(args.at) };
    await this.redis.eval(PUT_SCRIPT, 3, k.cur, k.hist, k.client, JSON.stringify(snapshot), args.organizer);
    return snapshot;
  }

  /** Every change for (organizer, client), oldest first. */
  async history(organizer: string, client: ClientId): Promise<RightChange[]> {
    const raw = await this.redis.lrange(this.keys(organizer, this.clientKey(client)).hist, 0, -1);
    return raw.map((r) => parseSnapshot(r)!).filter(Boolean);
  }
}

function checkOid(value: string, field: string): void {
  if (typeof value !== 'string' || !OID_PATTERN.test(value)) throw new GatewayError('REQUEST_INVALID', `${field} must be an OID`, { details: { field } });
}

function isoOf(at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new GatewayError('REQUEST_INVALID', 'at must be a valid Date');
  return at.toISOString();
}

function parseSnapshot(raw: string | null | undefined): RightSnapshot | undefined {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as RightSnapshot;
  } catch (err) {
    throw new GatewayError('INTERNAL', 'Stored registry-right state is not JSON', { cause: err });
  }
}
