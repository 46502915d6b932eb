// The usage log (käyttöloki, luovutusloki): one hash chain per organisation in Redis, so an
// organisation can answer a client's request for the log of its data (asiakastietolaki 703/2023 §11)
// with an export anyone can verify (verify-chain.ts). Clients appear only as the HMAC pseudonym of
// gateway/routing/client-key.ts; a hetu or document content never reaches the log.
//
// Chaining across processes: Redis Lua has no SHA-256, so Node computes the digest and a Lua script
// appends only if the chain head still is the `prev` the digest was computed over; otherwise it returns
// the current head and Node retries. Within one process appends to one chain are group-committed
// (group-commit.ts): the appends waiting while one batch is in flight are chained in Node and written by
// the next single script call, which checks the head once for all of them. So only other processes can
// make an append lose. A process that lost claims the next turn (a short-lived claim in the head hash
// that the script honours): without it the winner, which hears of its success first, keeps winning and a busy second
// process starves (measured: 64 straight losses under 10 000 concurrent appends).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError, storageCall } from '../../domain/errors.ts';
import { clientKey } from '../routing/client-key.ts';
import { genesisDigest, sealRecord } from './verify-chain.ts';
import { GroupCommit } from '../group-commit.ts';
import { OID_PATTERN } from '../../domain/values.ts';
import { auditKeys } from './audit-keys.ts';

export const AUDIT_ACTIONS = [
  'intake-accepted',
  'intake-refused',
  'status-read',
  'archived',
  'parked',
  'rejected',
  'rerun',
  'right-set',
  'right-learned',
  'right-read',
  'ops',
  'audit-exported',
  // query relay: a relayed "Hae asiakkuus" answer (luovutusloki), gateway/query-relay/
  'disclosure',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  kind: 'tenant' | 'ops' | 'system';
  id: string;
}

export type AuditDetails = Record<string, string | number | boolean>;

export interface AuditEvent {
  /** The controller whose registry the data belongs to (rekisterinpitäjä); owner of the primary chain. */
  organisation: string;
  /**
   * The organisation the acting tenant acted for, when it is another one (a provider writing into an
   * organizer's registry): the same event is then written into its chain too, so both parties can
   * answer a client's request.
   */
  actingOrganisation?: string;
  action: AuditAction;
  actor: AuditActor;
  documentId?: string;
  /** The client; stored only as its pseudonym. */
  client?: { root: string; extension?: string };
  code?: string;
  details?: AuditDetails;
}

export interface AuditRecord {
  seq: number;
  /** ISO 8601, UTC, milliseconds; never earlier than the previous record's (see append). */
  at: string;
  /** Owner of the chain this record is in. */
  organisation: string;
  action: AuditAction;
  actor: AuditActor;
  /** In the acting organisation's copy: the controller whose chain holds the primary record. */
  controller?: string;
  /** In the controller's record: the organisation the tenant acted for, when it differs. */
  actingOrganisation?: string;
  documentId?: string;
  clientKey?: string;
  code?: string;
  details?: AuditDetails;
  prev: string;
  digest: string;
}

export interface AuditRange {
  /** Inclusive lower bound on `at` (ISO 8601 with offset). */
  from?: string;
  /** Inclusive upper bound on `at`. */
  to?: string;
  /** Only this client's entries, plus every entry about a document that one of them names. */
  client?: { root: string; extension?: string };
  /** Stop after this seq, e.g. the head announced to the reader before the export began. */
  upToSeq?: number;
}

export interface AuditLogOptions {
  /** Redis key prefix of the deployment (config redis.keyPrefix). */
  prefix: string;
  /** The same secret as the right store's pseudonyms, so one client has one key across the gateway. */
  clientKeySecret: string;
  now?: () => Date;
  /**
   * Conditional appends tried before giving up with AUDIT_APPEND_CONTENDED.
   * @defaultValue 64
   */
  maxAttempts?: number;
  /**
   * How long a process that lost an append holds the next turn of the chain; bounds how long a
   * process dying mid-retry can hold up the others.
   * @defaultValue 250
   */
  claimMs?: number;
  /**
   * Appends to one chain written by one script call at most (group commit); 1 writes each append on
   * its own, one after another, as before group commit.
   * @defaultValue 64
   */
  maxBatch?: number;
  /**
   * Records read per Redis round trip while exporting.
   * @defaultValue 500
   */
  pageSize?: number;
}

const ACTOR_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const CODE = /^[A-Za-z0-9._:-]{1,64}$/;
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_DETAILS = 32;
const MAX_DETAIL_CHARS = 512;
// Free text (details) uses the logger's mask: letters and digits bound a hetu, so a UUID such as
// "12345678-1234-…" is not taken for one. Identifiers (actor id, code) are short and refused on any
// hetu-shaped run, even glued to other characters ("X120812A9520").
const HETU_IN_TEXT = /(?<![0-9A-Za-z])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])/;
const HETU_IN_IDENTIFIER = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/;
const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS);
const ACTOR_KINDS: ReadonlySet<string> = new Set(['tenant', 'ops', 'system']);

// KEYS: stream, head hash. ARGV: prev digest expected, seq of the first record, genesis, caller
// token, claim ms, digest of the last record, at ms of the last record, then per record its stream id
// and its line. Appends the whole batch only when the head is the one the first record was chained to
// and no other caller holds the turn; else answers the current head and why ('stale' | 'claimed').
// A stale caller takes the turn if it is free. The turn is two fields of the head hash (holder, and
// until when by Redis's clock) rather than a key of its own with a TTL: the one HMGET reads the head
// and the turn together, one command less per batch (docs/performance.md); a turn past its time is
// free, so a holder that died holds nobody up for longer than the claim ms.
// The batch is all or nothing in practice: every check comes before the first XADD, the ids rise by
// construction (at ms never falls, seq grows), and Redis lets a script that has written go on writing
// under maxmemory. The head is set last, so a reader never sees a head whose record is not there yet
// (scripts are atomic anyway).
const APPEND_SCRIPT = `
local head = redis.call('HMGET', KEYS[2], 'seq', 'digest', 'at', 'claim', 'claimUntil')
local seq = tonumber(head[1] or '0')
local digest = head[2] or ARGV[3]
local claim = head[4]
-- Redis's clock, read only where a turn is looked at or taken (TIME is a command Redis counts).
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if claim and tonumber(head[5] or '0') <= nowMs() then claim = nil end
if claim and claim ~= ARGV[4] then
  return {0, tostring(seq), digest, head[3] or '0', 'claimed'}
end
if digest ~= ARGV[1] or seq + 1 ~= tonumber(ARGV[2]) then
  if not claim and head[1] then
    redis.call('HSET', KEYS[2], 'claim', ARGV[4], 'claimUntil', tostring(nowMs() + tonumber(ARGV[5])))
  end
  return {0, tostring(seq), digest, head[3] or '0', 'stale'}
end
local n = (#ARGV - 7) / 2
for i = 8, #ARGV, 2 do
  redis.call('XADD', KEYS[1], ARGV[i], 'r', ARGV[i + 1])
end
redis.call('HSET', KEYS[2], 'seq', tostring(seq + n), 'digest', ARGV[6], 'at', ARGV[7])
if head[4] then redis.call('HDEL', KEYS[2], 'claim', 'claimUntil') end
return {1}
`;

const RELEASE_SCRIPT = `if redis.call('HGET', KEYS[1], 'claim') == ARGV[1] then redis.call('HDEL', KEYS[1], 'claim', 'claimUntil') end return 0`;

interface Head {
  seq: number;
  digest: string;
  atMs: number;
}

type RecordBody = Omit<AuditRecord, 'seq' | 'at' | 'organisation' | 'prev' | 'digest'>;

interface AuditScripts {
  kgwAuditAppendBatch(stream: string, head: string, ...argv: string[]): Promise<[number, string?, string?, string?, string?]>;
}

function invalid(message: string): GatewayError {
  return new GatewayError('REQUEST_INVALID', message);
}

function checkOid(oid: unknown, field: string): string {
  if (typeof oid !== 'string' || !OID_PATTERN.test(oid) || oid.length > 128) throw invalid(`audit event: ${field} must be an OID`);
  return oid;
}

// Messages name the field, never the value: a rejected value may be a hetu.
function checkText(value: unknown, pattern: RegExp, field: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`audit event: ${field} is malformed`);
  if (HETU_IN_IDENTIFIER.test(value)) throw invalid(`audit event: ${field} looks like a personal identity code`);
  return value;
}

function checkDetails(details: unknown): AuditDetails {
  if (!details || typeof details !== 'object' || Array.isArray(details)) throw invalid('audit event: details must be an object');
  const entries = Object.entries(details);
  if (entries.length > MAX_DETAILS) throw invalid(`audit event: at most ${MAX_DETAILS} details`);
  const out: AuditDetails = {};
  for (const [k, v] of entries) {
    if (!DETAIL_KEY.test(k)) throw invalid('audit event: a details key is malformed');
    if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else if (typeof v === 'string') {
      if (v.length > MAX_DETAIL_CHARS) throw invalid(`audit event: details.${k} is longer than ${MAX_DETAIL_CHARS} characters`);
      if (HETU_IN_TEXT.test(v)) throw invalid(`audit event: details.${k} looks like a personal identity code`);
      out[k] = v;
    } else throw invalid(`audit event: details.${k} must be a string, finite number or boolean`);
  }
  return out;
}

/** Checks the bounds of a range (REQUEST_INVALID naming the field) and returns them in epoch ms. */
export function checkAuditRange(range: AuditRange): { fromMs?: number; toMs?: number } {
  const fromMs = parseBound(range.from, 'from');
  const toMs = parseBound(range.to, 'to');
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw invalid('from is after to');
  if (range.upToSeq !== undefined && (!Number.isSafeInteger(range.upToSeq) || range.upToSeq < 0)) throw invalid('upToSeq must be a non-negative integer');
  return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

function parseBound(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  // An offset is required: a bound without one would be read in the server's zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) throw invalid(`${field} must be an ISO 8601 date-time with offset`);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`${field} is not a valid date-time`);
  return ms;
}

export class AuditLog {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly pageSize: number;
  private readonly claimMs: number;
  private readonly maxBatch: number;
  /** Last head this process saw per chain; a stale one only costs one lost conditional append. */
  private readonly heads = new Map<string, Head>();
  /** The group commit of each chain with appends in flight. */
  private readonly chains = new Map<string, GroupCommit<RecordBody, AuditRecord>>();
  private lost = 0;
  /** Identifies this instance's claims; batches to one chain are serial within an instance. */
  private readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly opts: AuditLogOptions,
  ) {
    if (!opts.prefix) throw new GatewayError('CONFIG_INVALID', 'AuditLog needs a key prefix');
    if (!opts.clientKeySecret) throw new GatewayError('CONFIG_INVALID', 'AuditLog needs the client key secret');
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = opts.maxAttempts ?? 64;
    this.pageSize = opts.pageSize ?? 500;
    this.claimMs = opts.claimMs ?? 250;
    this.maxBatch = opts.maxBatch ?? 64;
    if (!Number.isInteger(this.claimMs) || this.claimMs < 1) throw new GatewayError('CONFIG_INVALID', 'AuditLog claimMs must be a positive integer');
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new GatewayError('CONFIG_INVALID', 'AuditLog maxAttempts must be a positive integer');
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new GatewayError('CONFIG_INVALID', 'AuditLog pageSize must be a positive integer');
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new GatewayError('CONFIG_INVALID', 'AuditLog maxBatch must be a positive integer');
    if (!(redis as unknown as Partial<AuditScripts>).kgwAuditAppendBatch) redis.defineCommand('kgwAuditAppendBatch', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  }

  /** Conditional appends this instance lost to another process since it started (a contention gauge). */
  get conflicts(): number {
    return this.lost;
  }

  private streamKey(org: string): string {
    return auditKeys(this.opts.prefix, org).stream;
  }

  private headKey(org: string): string {
    return auditKeys(this.opts.prefix, org).head;
  }

  /** The pseudonym the log stores for a client (same function and secret as the right store). */
  clientKeyOf(client: { root: string; extension?: string }): string {
    return clientKey(client, this.opts.clientKeySecret);
  }

  /**
   * Appends the event to the controller's chain and, when the tenant acted for another organisation,
   * to that one's chain too. Returns the controller's record. The two appends are not one transaction:
   * a failure of the second is thrown after the first has been written.
   */
  async append(e: AuditEvent): Promise<AuditRecord> {
    if (!e || typeof e !== 'object') throw invalid('audit event must be an object');
    const org = checkOid(e.organisation, 'organisation');
    const acting = e.actingOrganisation === undefined ? undefined : checkOid(e.actingOrganisation, 'actingOrganisation');
    if (typeof e.action !== 'string' || !ACTIONS.has(e.action)) throw invalid('audit event: unknown action');
    if (!e.actor || typeof e.actor !== 'object' || !ACTOR_KINDS.has(e.actor.kind)) throw invalid('audit event: actor.kind must be tenant, ops or system');
    const body: RecordBody = {
      action: e.action,
      actor: { kind: e.actor.kind, id: checkText(e.actor.id, ACTOR_ID, 'actor.id') },
      ...(e.documentId !== undefined ? { documentId: checkOid(e.documentId, 'documentId') } : {}),
      ...(e.client !== undefined ? { clientKey: this.clientKeyOf(e.client) } : {}),
      ...(e.code !== undefined ? { code: checkText(e.code, CODE, 'code') } : {}),
      ...(e.details !== undefined ? { details: checkDetails(e.details) } : {}),
    };
    const twoParties = acting !== undefined && acting !== org;
    const primary = await this.appendTo(org, twoParties ? { ...body, actingOrganisation: acting } : body);
    if (twoParties) await this.appendTo(acting, { ...body, controller: org });
    return primary;
  }

  private appendTo(org: string, body: RecordBody): Promise<AuditRecord> {
    let chain = this.chains.get(org);
    if (!chain) {
      // Dropped once idle, so the map holds only chains with appends in flight.
      const created = new GroupCommit<RecordBody, AuditRecord>(
        (bodies) => this.appendConditionally(org, bodies),
        this.maxBatch,
        () => {
          if (this.chains.get(org) === created) this.chains.delete(org);
        },
      );
      chain = created;
      this.chains.set(org, chain);
    }
    return chain.submit(body);
  }

  /** Chains the bodies in order after the head and writes them with one conditional script call per attempt. */
  private async appendConditionally(org: string, bodies: RecordBody[]): Promise<AuditRecord[]> {
    const genesis = genesisDigest(org);
    const stream = this.streamKey(org);
    let head = this.heads.get(org) ?? (await this.readHead(org)) ?? { seq: 0, digest: genesis, atMs: 0 };
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      // Time never runs backwards inside a chain (clock skew between processes is clamped), so a
      // time range is one contiguous slice of the stream and the stream id can carry the time.
      const atMs = Math.max(this.now().getTime(), head.atMs);
      const at = new Date(atMs).toISOString();
      const records: AuditRecord[] = [];
      const argv = [head.digest, String(head.seq + 1), genesis, this.token, String(this.claimMs), '', String(atMs)];
      let prev = head.digest;
      for (const body of bodies) {
        const seq = head.seq + records.length + 1;
        const unsigned = { seq, at, organisation: org, ...body, prev };
        const { digest, line } = sealRecord(unsigned);
        records.push({ ...unsigned, digest } as AuditRecord);
        argv.push(`${atMs}-${seq}`, line);
        prev = digest;
      }
      argv[5] = prev;
      const reply = await storageCall(() => (this.redis as unknown as AuditScripts).kgwAuditAppendBatch(stream, this.headKey(org), ...argv));
      if (reply[0] === 1) {
        this.heads.set(org, { seq: head.seq + records.length, digest: prev, atMs });
        return records;
      }
      this.lost += 1;
      head = { seq: Number(reply[1]), digest: String(reply[2]), atMs: Number(reply[3]) };
      this.heads.set(org, head);
      // Stale: we now hold the turn (or someone else does) and retry at once with the head just read.
      // Claimed: the holder's retry is one round trip away; give it that time.
      if (reply[4] === 'claimed') await new Promise((r) => setTimeout(r, 1));
    }
    // Giving up hands the turn back at once rather than holding the others up until it expires.
    await this.redis.eval(RELEASE_SCRIPT, 1, this.headKey(org), this.token).catch(() => {});
    throw new GatewayError('AUDIT_APPEND_CONTENDED', undefined, { details: { organisation: org, attempts: this.maxAttempts } });
  }

  private async readHead(org: string): Promise<Head | undefined> {
    const [seq, digest, at] = await storageCall(() => this.redis.hmget(this.headKey(org), 'seq', 'digest', 'at'));
    if (seq == null || digest == null) return undefined;
    return { seq: Number(seq), digest, atMs: Number(at ?? 0) };
  }

  /** The chain's last seq and digest, or undefined when the organisation has no log yet. */
  async head(organisation: string): Promise<{ seq: number; digest: string } | undefined> {
    const h = await this.readHead(checkOid(organisation, 'organisation'));
    return h ? { seq: h.seq, digest: h.digest } : undefined;
  }

  /**
   * Streams the chain in seq order, up to the head as it was when the export started (appends during
   * the export are not included, so the output is finite and its last line can be compared with head()).
   */
  async *export(organisation: string, range: AuditRange = {}): AsyncGenerator<AuditRecord> {
    const org = checkOid(organisation, 'organisation');
    const { fromMs, toMs } = checkAuditRange(range);
    const wantedKey = range.client ? this.clientKeyOf(range.client) : undefined;
    const head = await this.readHead(org);
    if (!head) return;
    const headId = `${head.atMs}-${head.seq}`;

    let documents: Set<string> | undefined;
    if (wantedKey) {
      // Entries written by the queue (archived, parked, ...) name the document, not the client: collect
      // the client's documents from the whole chain first, whatever the range.
      documents = new Set();
      for await (const r of this.scan(org, '-', headId)) if (r.clientKey === wantedKey && r.documentId) documents.add(r.documentId);
    }
    const start = fromMs === undefined ? '-' : String(fromMs);
    const end = toMs === undefined || toMs >= head.atMs ? headId : String(toMs);
    if (fromMs !== undefined && fromMs > head.atMs) return;
    for await (const r of this.scan(org, start, end)) {
      if (range.upToSeq !== undefined && r.seq > range.upToSeq) return;
      if (wantedKey && r.clientKey !== wantedKey && !(r.documentId && documents!.has(r.documentId))) continue;
      yield r;
    }
  }

  /**
   * Every record still in Redis, in seq order, up to the head as it was when called. Records the sealer
   * moved to disk are trimmed from Redis; usage-log-export.ts joins both parts.
   */
  async *liveRecords(organisation: string): AsyncGenerator<AuditRecord> {
    const org = checkOid(organisation, 'organisation');
    const head = await this.readHead(org);
    if (!head) return;
    yield* this.scan(org, '-', `${head.atMs}-${head.seq}`);
  }

  private async *scan(org: string, start: string, end: string): AsyncGenerator<AuditRecord> {
    let from = start;
    for (;;) {
      const page = await storageCall(() => this.redis.xrange(this.streamKey(org), from, end, 'COUNT', this.pageSize));
      for (const [, fields] of page) {
        const text = fields[fields.indexOf('r') + 1];
        if (text === undefined) throw new GatewayError('INTERNAL', `audit stream of ${org} holds an entry without a record`);
        yield JSON.parse(text) as AuditRecord;
      }
      if (page.length < this.pageSize) return;
      // Exclusive start (Redis 6.2+): continue after the last id read.
      from = `(${page[page.length - 1]![0]}`;
    }
  }
}
