// Durable per-document state in Redis, outside BullMQ job data (jobs carry ids only):
//   {p}:doc:{tenant}:{docId}     hash   the record and its state machine
//   {p}:payload:{tenant}:{docId} string the bytes as accepted (deleted once signed bytes exist)
//   {p}:signed:{tenant}:{docId}  string the signed bytes; every (re)send uses exactly these bytes, so a
//                                       resend after a crash is byte-identical and Kanta's idempotency holds
//   {p}:hist:{tenant}:{docId}    list   state changes, never overwritten
//   {p}:sub:{submissionId}       string tenant + doc id
//   {p}:docidx:{docId}           string owning tenant (one document id belongs to one tenant)
//   {p}:open                     set    "tenant\ndocId" of every document not in a terminal state; the
//                                       startup sweep walks this set instead of every record
// Intake is one Lua script: either everything is stored or nothing is. Document bytes are stored
// deflated (level 1: ~40 µs for 4 KB) and inflated to exactly the same bytes on read: Redis memory is
// the cost of a backlog, and CDA XML with Base64 bodies shrinks by a third or more.
import type { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GatewayError } from '../domain/errors.ts';
import type { SignatureReceipt } from '../domain/signature-receipt.ts';
import { TERMINAL_STATUSES, type DocumentRecord, type DocumentStatus, type HistoryEvent } from '../domain/document-record.ts';

export { TERMINAL_STATUSES, type DocumentRecord, type DocumentStatus, type HistoryEvent };

const JSON_FIELDS = new Set(['decision', 'header', 'dependsOn', 'signature', 'ack']);
const NUMBER_FIELDS = new Set(['versionNumber', 'size', 'attempts', 'run']);

function encode(record: Partial<DocumentRecord>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    out.push(k, JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v));
  }
  return out;
}

function decode(hash: Record<string, string>): DocumentRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : NUMBER_FIELDS.has(k) ? Number(v) : v;
  return out as unknown as DocumentRecord;
}

const pack = (bytes: Buffer): Buffer => deflateRawSync(bytes, { level: 1 });
const unpack = (stored: Buffer | null): Buffer | undefined => (stored ? inflateRawSync(stored) : undefined);

/** What a send lane needs in one round trip: the record and whichever bytes exist. */
export interface SendState {
  record: DocumentRecord;
  signed: Buffer | undefined;
  payload: Buffer | undefined;
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// KEYS: doc, payload, hist, sub, docidx, open   ARGV: tenant, payloadBytes, histJson, ...recordFields
const CREATE_SCRIPT = `
local owner = redis.call('GET', KEYS[5])
if owner and owner ~= ARGV[1] then return {'foreign'} end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'exists'}
end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SET', KEYS[2], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], ARGV[1] .. '\\n' .. redis.call('HGET', KEYS[1], 'documentId'))
redis.call('SET', KEYS[5], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1] .. '\\n' .. redis.call('HGET', KEYS[1], 'documentId'))
return {'created'}
`;

// One round trip each for the two hot-path transitions of a send lane.
// KEYS: signed, payload, doc, hist   ARGV: signedBytes, ...histEvents, '--', ...recordFields
const SAVE_SIGNED_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
local i = 2
while ARGV[i] ~= '--' do redis.call('RPUSH', KEYS[4], ARGV[i]); i = i + 1 end
local fields = {}
for j = i + 1, #ARGV do fields[#fields + 1] = ARGV[j] end
redis.call('HSET', KEYS[3], unpack(fields))
return 1
`;

// KEYS: doc, hist, open, signed, payload, docidx, sub   ARGV: histEvent, openMember, payloadTtl, recordTtl, ...recordFields
const MARK_ARCHIVED_SCRIPT = `
local fields = {}
for j = 5, #ARGV do fields[#fields + 1] = ARGV[j] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[3])
redis.call('EXPIRE', KEYS[5], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[6], ARGV[4])
redis.call('EXPIRE', KEYS[7], ARGV[4])
return 1
`;

interface StoreScripts {
  kgwCreateDocument(...args: unknown[]): Promise<unknown[]>;
  kgwSaveSigned(...args: unknown[]): Promise<unknown>;
  kgwMarkArchived(...args: unknown[]): Promise<unknown>;
}

export type CreateResult = { created: true; record: DocumentRecord } | { created: false; existing: DocumentRecord };

export class DocumentStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as { kgwCreateDocument?: unknown }).kgwCreateDocument) {
      redis.defineCommand('kgwCreateDocument', { numberOfKeys: 6, lua: CREATE_SCRIPT });
      redis.defineCommand('kgwSaveSigned', { numberOfKeys: 4, lua: SAVE_SIGNED_SCRIPT });
      redis.defineCommand('kgwMarkArchived', { numberOfKeys: 7, lua: MARK_ARCHIVED_SCRIPT });
    }
  }

  private get scripts(): StoreScripts {
    return this.redis as unknown as StoreScripts;
  }

  private get openKey(): string {
    return `${this.prefix}:open`;
  }

  private key(kind: string, tenant: string, documentId: string): string {
    return `${this.prefix}:${kind}:${tenant}:${documentId}`;
  }

  /** Atomically stores a new document, or reports the existing one with the same id. */
  async create(input: Omit<DocumentRecord, 'submissionId' | 'status' | 'acceptedAt' | 'updatedAt' | 'attempts' | 'run' | 'contentSha256' | 'size'>, payload: Buffer, now = new Date()): Promise<CreateResult> {
    const record: DocumentRecord = {
      ...input,
      submissionId: randomUUID(),
      status: 'accepted',
      contentSha256: sha256Hex(payload),
      size: payload.length,
      acceptedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      attempts: 0,
      run: 0,
    };
    const hist: HistoryEvent = { at: record.acceptedAt, status: 'accepted' };
    const { tenant, documentId } = record;
    const res = (await this.scripts.kgwCreateDocument(
      this.key('doc', tenant, documentId),
      this.key('payload', tenant, documentId),
      this.key('hist', tenant, documentId),
      `${this.prefix}:sub:${record.submissionId}`,
      `${this.prefix}:docidx:${documentId}`,
      this.openKey,
      tenant,
      pack(payload),
      JSON.stringify(hist),
      ...encode(record),
    )) as string[];
    if (res[0] === 'created') return { created: true, record };
    if (res[0] === 'foreign') throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT', 'This document id belongs to another submitter');
    const existing = await this.get(tenant, documentId);
    if (!existing) throw new GatewayError('INTERNAL', 'Document vanished during intake');
    return { created: false, existing };
  }

  /** Removes everything create() wrote; used when enqueueing fails right after create. */
  async discard(record: DocumentRecord): Promise<void> {
    const { tenant, documentId } = record;
    await this.redis.del(
      this.key('doc', tenant, documentId),
      this.key('payload', tenant, documentId),
      this.key('signed', tenant, documentId),
      this.key('hist', tenant, documentId),
      `${this.prefix}:sub:${record.submissionId}`,
      `${this.prefix}:docidx:${documentId}`,
    );
    await this.redis.srem(this.openKey, `${tenant}\n${documentId}`);
  }

  async get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> {
    const hash = await this.redis.hgetall(this.key('doc', tenant, documentId));
    return Object.keys(hash).length === 0 ? undefined : decode(hash);
  }

  /** Owner lookup across tenants, for dependency checks (an organizer may version a provider's document). */
  async findById(documentId: string): Promise<DocumentRecord | undefined> {
    const tenant = await this.redis.get(`${this.prefix}:docidx:${documentId}`);
    return tenant ? this.get(tenant, documentId) : undefined;
  }

  async bySubmission(submissionId: string): Promise<{ tenant: string; documentId: string } | undefined> {
    const v = await this.redis.get(`${this.prefix}:sub:${submissionId}`);
    if (!v) return undefined;
    const [tenant, documentId] = v.split('\n') as [string, string];
    return { tenant, documentId };
  }

  async history(tenant: string, documentId: string): Promise<HistoryEvent[]> {
    return (await this.redis.lrange(this.key('hist', tenant, documentId), 0, -1)).map((s) => JSON.parse(s) as HistoryEvent);
  }

  /** Updates fields and appends a history event in one transaction. */
  async update(tenant: string, documentId: string, fields: Partial<DocumentRecord>, event?: Omit<HistoryEvent, 'at'>, now = new Date()): Promise<void> {
    const at = now.toISOString();
    const multi = this.redis.multi().hset(this.key('doc', tenant, documentId), ...encode({ ...fields, updatedAt: at }));
    if (event) multi.rpush(this.key('hist', tenant, documentId), JSON.stringify({ at, ...event }));
    if (fields.status) {
      if (TERMINAL_STATUSES.has(fields.status)) multi.srem(this.openKey, `${tenant}\n${documentId}`);
      else multi.sadd(this.openKey, `${tenant}\n${documentId}`);
    }
    await multi.exec();
  }

  async payload(tenant: string, documentId: string): Promise<Buffer | undefined> {
    return unpack(await this.redis.getBuffer(this.key('payload', tenant, documentId)));
  }

  async signed(tenant: string, documentId: string): Promise<Buffer | undefined> {
    return unpack(await this.redis.getBuffer(this.key('signed', tenant, documentId)));
  }

  /** The record with its bytes, in one round trip (the send lane's hot path). */
  async loadForSend(tenant: string, documentId: string): Promise<SendState | undefined> {
    const res = await this.redis
      .pipeline()
      .hgetall(this.key('doc', tenant, documentId))
      .getBuffer(this.key('signed', tenant, documentId))
      .getBuffer(this.key('payload', tenant, documentId))
      .exec();
    if (!res) return undefined;
    for (const [err] of res) if (err) throw err;
    const hash = res[0]![1] as Record<string, string>;
    if (Object.keys(hash).length === 0) return undefined;
    return { record: decode(hash), signed: unpack(res[1]![1] as Buffer | null), payload: unpack(res[2]![1] as Buffer | null) };
  }

  /**
   * Stores the signed bytes and drops the unsigned copy (Redis holds one copy of each document); with
   * `sendingAttempt`, also records the send that follows, in the same transaction.
   */
  async saveSigned(tenant: string, documentId: string, signed: Buffer, signature: SignatureReceipt, sendingAttempt?: number, now = new Date()): Promise<void> {
    const at = now.toISOString();
    const events = [JSON.stringify({ at, status: 'signed' }), ...(sendingAttempt !== undefined ? [JSON.stringify({ at, status: 'sending', attempt: sendingAttempt })] : [])];
    const fields: Partial<DocumentRecord> = sendingAttempt !== undefined ? { status: 'sending', signature, attempts: sendingAttempt } : { status: 'signed', signature };
    await this.scripts.kgwSaveSigned(
      this.key('signed', tenant, documentId),
      this.key('payload', tenant, documentId),
      this.key('doc', tenant, documentId),
      this.key('hist', tenant, documentId),
      pack(signed),
      ...events,
      '--',
      ...encode({ ...fields, updatedAt: at }),
    );
  }

  /**
   * Marks a document archived; its bytes expire after the retention, the record and history after
   * theirs. One transaction, so a crash cannot leave an archived record with bytes that never expire.
   */
  async markArchived(record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'submissionId'>, fields: Partial<DocumentRecord>, retention: { payloadSeconds: number; recordSeconds: number }, now = new Date()): Promise<void> {
    const { tenant, documentId } = record;
    const at = now.toISOString();
    const payloadTtl = Math.max(1, retention.payloadSeconds);
    const recordTtl = Math.max(1, retention.recordSeconds);
    await this.scripts.kgwMarkArchived(
      this.key('doc', tenant, documentId),
      this.key('hist', tenant, documentId),
      this.openKey,
      this.key('signed', tenant, documentId),
      this.key('payload', tenant, documentId),
      `${this.prefix}:docidx:${documentId}`,
      `${this.prefix}:sub:${record.submissionId}`,
      JSON.stringify({ at, status: 'archived' }),
      `${tenant}\n${documentId}`,
      payloadTtl,
      recordTtl,
      ...encode({ ...fields, status: 'archived', updatedAt: at }),
    );
  }

  /** Streams the documents not yet in a terminal state (SSCAN of the open set). */
  async *scanOpen(): AsyncGenerator<DocumentRecord> {
    const stream = this.redis.sscanStream(this.openKey, { count: 500 });
    for await (const members of stream as AsyncIterable<string[]>) {
      for (const member of members) {
        const [tenant, documentId] = member.split('\n') as [string, string];
        const rec = await this.get(tenant, documentId);
        if (rec && !TERMINAL_STATUSES.has(rec.status)) yield rec;
        else await this.redis.srem(this.openKey, member);
      }
    }
  }

  async openCount(): Promise<number> {
    return this.redis.scard(this.openKey);
  }

  /** Streams every record (SCAN, never KEYS), for reruns and reports. */
  async *scan(match: { tenant?: string } = {}): AsyncGenerator<DocumentRecord> {
    const stream = this.redis.scanStream({ match: `${this.prefix}:doc:${match.tenant ?? '*'}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (const key of keys) {
        const hash = await this.redis.hgetall(key);
        if (Object.keys(hash).length > 0) yield decode(hash);
      }
    }
  }

  /** Bytes Redis uses for one document's keys (MEMORY USAGE), for the status API. */
  async memoryUsage(tenant: string, documentId: string): Promise<number> {
    let total = 0;
    for (const kind of ['doc', 'payload', 'signed', 'hist']) {
      const n = (await this.redis.call('MEMORY', 'USAGE', this.key(kind, tenant, documentId))) as number | null;
      total += n ?? 0;
    }
    return total;
  }
}
