// Registry-use right state per (organizer, client) in Redis (kanta.md §4, seed 004 §3.3). Learned from
// the organizer's asiakkuusasiakirjat passing through the gateway (the latest version of a document set
// wins; a lower version arriving later changes nothing) or set through the API by an organizer whose
// documents go elsewhere. Every change is appended to a history with its effective time; nothing is
// overwritten there. The client is held only as clientKey(): no hetu in right state.
//
// A right learned from a document that passed through the gateway takes effect when the archive
// acknowledges that document (AA), not at intake: until then it is *pending* (documents relying on it are
// accepted and wait for the document in their send lane); when the archive refuses it, or it is parked,
// the state before it returns and the withdrawn entries are kept, so an operator's successful rerun can
// still bring them into force.
//
// Keys (hash tag keeps one client's keys in one cluster slot):
//   {prefix}:rko:{<organizer>:<clientKey>}:cur   JSON RightSnapshot
//   {prefix}:rko:{<organizer>:<clientKey>}:ver   hash setId → highest versionNumber applied
//   {prefix}:rko:{<organizer>:<clientKey>}:hist  list of JSON RightChange, oldest first
//   {prefix}:rko:{<organizer>:<clientKey>}:withdrawn:<documentId>  JSON RightSnapshot withdrawn when refused
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

// Settles a pending state learned from document ARGV[1]. ARGV[2] = 'archived' | 'refused', ARGV[3] = now.
// KEYS: cur, ver, hist, withdrawn
const SETTLE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
local cur = raw and cjson.decode(raw) or nil
local mine = cur and cur.pending and cur.source and cur.source.documentId == ARGV[1]
if ARGV[2] == 'archived' then
  if mine then
    cur.pending = nil; cur.previous = nil; cur.previousVersion = nil; cur.effectiveAt = ARGV[3]
    local out = cjson.encode(cur)
    redis.call('SET', KEYS[1], out)
    redis.call('RPUSH', KEYS[3], out)
    return 'confirmed'
  end
  local w = redis.call('GET', KEYS[4])
  if not w then return 'none' end
  local snap = cjson.decode(w)
  local v = redis.call('HGET', KEYS[2], snap.source.setId)
  if v and tonumber(v) >= tonumber(snap.source.versionNumber) then redis.call('DEL', KEYS[4]); return 'superseded' end
  snap.pending = nil; snap.previous = nil; snap.previousVersion = nil; snap.effectiveAt = ARGV[3]
  local out = cjson.encode(snap)
  redis.call('HSET', KEYS[2], snap.source.setId, snap.source.versionNumber)
  redis.call('SET', KEYS[1], out)
  redis.call('RPUSH', KEYS[3], out)
  redis.call('DEL', KEYS[4])
  return 'reinstated'
end
if not mine then return 'none' end
local prev = cur.previous
cur.previous = nil
redis.call('SET', KEYS[4], cjson.encode(cur))
if cur.previousVersion and cur.previousVersion ~= cjson.null then redis.call('HSET', KEYS[2], cur.source.setId, cur.previousVersion) else redis.call('HDEL', KEYS[2], cur.source.setId) end
if prev and prev ~= cjson.null then
  prev.effectiveAt = ARGV[3]
  local out = cjson.encode(prev)
  redis.call('SET', KEYS[1], out)
  redis.call('RPUSH', KEYS[3], out)
else
  redis.call('DEL', KEYS[1])
  redis.call('RPUSH', KEYS[3], cjson.encode({ organizer = cur.organizer, clientKey = cur.clientKey, entries = {}, source = cur.source, effectiveAt = ARGV[3], withdrawn = true }))
end
return 'withdrawn'
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
    return { cur: `${base}:cur`, ver: `${base}:ver`, hist: `${base}:hist`, withdrawn: (documentId: string) => `${base}:withdrawn:${documentId}`, client: `${this.prefix}:rko:client:${key}` };
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
    /** Learned at intake, before the archive acknowledged the document: in force only once settled 'archived'. */
    pending?: boolean;
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
    if (args.pending) {
      // The state it replaces comes back if the archive refuses the document — itself perhaps still
      // pending, settled in turn when its own document finishes (or lazily at the next intake).
      const [prev, prevVersion] = await this.redis.pipeline().get(k.cur).hget(k.ver, args.setId).exec().then((r) => (r ?? []).map(([, v]) => v as string | null));
      const previous = parseSnapshot(prev);
      Object.assign(snapshot, { pending: true, previous: previous ?? null, previousVersion: prevVersion === null || prevVersion === undefined ? null : Number(prevVersion) });
    }
    const applied = await this.redis.eval(LEARN_SCRIPT, 4, k.ver, k.cur, k.hist, k.client, args.setId, String(args.versionNumber), JSON.stringify(snapshot), args.organizer);
    return { applied: applied === 1 };
  }

  /**
   * The archive's outcome for a document whose rights were learned pending: 'archived' brings them into
   * force (or reinstates them after an earlier withdrawal, unless a later version came since); 'refused'
   * (rejected or parked) withdraws them and the state before them returns.
   */
  async settle(args: { organizer: string; client: ClientId; documentId: string; outcome: 'archived' | 'refused'; at: Date }): Promise<'confirmed' | 'reinstated' | 'withdrawn' | 'superseded' | 'none'> {
    const k = this.keys(args.organizer, this.clientKey(args.client));
    return (await this.redis.eval(SETTLE_SCRIPT, 4, k.cur, k.ver, k.hist, k.withdrawn(args.documentId), args.documentId, args.outcome, isoOf(args.at))) as 'confirmed' | 'reinstated' | 'withdrawn' | 'superseded' | 'none';
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
