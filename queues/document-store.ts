// Durable per-document state in Redis, outside BullMQ job data (jobs carry ids only); the key names
// are in queues/redis-keys.ts. A document's state changes only through apply(transition): one Lua
// script per transition kind (queues/commands/), guarded by the lifecycle table (domain/lifecycle.ts),
// writing record, history and the tenant's lifecycle event stream together. Document bytes are stored
// deflated (level 1: ~40 µs for 4 KB) and inflated to exactly the same bytes on read: Redis memory is
// the cost of a backlog, and CDA XML with Base64 bodies shrinks by a third or more.
import type { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { errorCodeOf, GatewayError } from '../domain/errors.ts';
import { TERMINAL_STATUSES, type DocumentRecord, type DocumentStatus, type HistoryEvent } from '../domain/document-record.ts';
import { codeOf, isOpen, LIFECYCLE, refOf, transitionRefused, type Transition } from '../domain/lifecycle.ts';
import { defineLuaCommands, runLuaCommand } from './lifecycle-commands.ts';
import { RedisKeys } from './redis-keys.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { TERMINAL_STATUSES, type DocumentRecord, type DocumentStatus, type HistoryEvent, type Transition };

const JSON_FIELDS = new Set(['decision', 'header', 'dependsOn', 'signature', 'ack']);
const NUMBER_FIELDS = new Set(['versionNumber', 'size', 'attempts', 'run']);

// The two large JSON fields (the CDA header and the routing decision, together ~2 kB of a 5 kB
// document's record) are stored deflated, as `z:` + Base64: Redis holds every queued document's record,
// and these repeat their keys and OIDs. Nothing reads them inside Redis (the Lua scripts read status,
// submissionId and run only). A plain JSON value (a record written before) still decodes.
const PACKED_FIELDS = new Set(['decision', 'header']);
const PACKED = 'z:';

function encodeJson(k: string, v: unknown): string {
  const json = JSON.stringify(v);
  return PACKED_FIELDS.has(k) && json.length > 128 ? PACKED + deflateRawSync(json, { level: 6 }).toString('base64') : json;
}

function decodeJson(v: string): unknown {
  return JSON.parse(v.startsWith(PACKED) ? inflateRawSync(Buffer.from(v.slice(PACKED.length), 'base64')).toString('utf8') : v);
}

function encode(record: Partial<DocumentRecord>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    out.push(k, JSON_FIELDS.has(k) ? encodeJson(k, v) : String(v));
  }
  return out;
}

function decode(hash: Record<string, string>): DocumentRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = JSON_FIELDS.has(k) ? decodeJson(v) : NUMBER_FIELDS.has(k) ? Number(v) : v;
  return out as unknown as DocumentRecord;
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
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

/** Options of the store. */
export interface DocumentStoreOptions {
  /**
   * Approximate length each tenant's lifecycle event stream is trimmed to (XADD MAXLEN ~). A reader
   * further behind than this loses the oldest events; the record and its history stay the truth.
   * @defaultValue 100000
   */
  eventStreamMaxLen?: number;
}

export const DEFAULT_EVENT_STREAM_MAXLEN = 100_000;

export type CreateResult = { created: true; record: DocumentRecord } | { created: false; existing: DocumentRecord };

/** What a transition left behind: the status and run it wrote ('discarded': the record is gone). */
export interface Applied {
  status: DocumentStatus | 'discarded';
  run: number;
}

type ApplyReply = ['ok', string, string] | ['refused', string] | ['created'] | ['exists'] | ['foreign'];

/** Record fields a transition sets besides its status. */
function fieldsOf(t: Exclude<Transition, { kind: 'accept' | 'discard' | 'rerun' }>): Partial<DocumentRecord> {
  switch (t.kind) {
    case 'sign':
      return { status: 'signed', signature: t.signature };
    case 'sign-and-send':
      return { status: 'sending', signature: t.signature, attempts: t.attempt };
    case 'send':
      return { status: 'sending', attempts: t.attempt };
    case 'retry':
    case 'await-controller':
      return { status: 'signed', ack: t.ack, lastMessageId: t.ack.messageId };
    case 'archive':
      return { status: 'archived', ack: t.ack, lastMessageId: t.ack.messageId };
    case 'park-payload-missing':
      return { status: 'parked', code: 'QUEUE_PAYLOAD_MISSING' };
    case 'park-sign-failed':
    case 'park-send-failed':
      return { status: 'parked', code: t.code, ...(t.text ? { text: t.text } : {}) };
    case 'park-retry-exhausted':
      return { status: 'parked', code: 'QUEUE_RETRY_BUDGET_EXHAUSTED', ...(t.text ? { text: t.text } : {}), ack: t.ack, lastMessageId: t.ack.messageId };
    case 'park':
      return { status: 'parked', code: t.code, ...(t.text ? { text: t.text } : {}), ack: t.ack, lastMessageId: t.ack.messageId };
    case 'reject':
      return { status: 'rejected', code: t.code, ...(t.text ? { text: t.text } : {}), ack: t.ack, lastMessageId: t.ack.messageId };
  }
}

/** History entries a transition appends (LIFECYCLE[kind].history, with their details). */
function historyOf(t: Exclude<Transition, { kind: 'accept' | 'discard' }>, at: string): HistoryEvent[] {
  switch (t.kind) {
    case 'sign':
      return [{ at, status: 'signed' }];
    case 'sign-and-send':
      return [{ at, status: 'signed' }, { at, status: 'sending', attempt: t.attempt }];
    case 'send':
      return [{ at, status: 'sending', attempt: t.attempt }];
    case 'retry':
      return [{ at, status: 'retry', code: t.code, attempt: t.attempt, messageId: t.ack.messageId }];
    case 'await-controller':
      return [{ at, status: 'waiting', code: t.code, text: 'controller parked; resumes when an operator resumes the lane' }];
    case 'archive':
      // The message id the archive answered: with 'accepted'.tenantMessageId, the tenant's ↔ gateway's mapping.
      return [{ at, status: 'archived', messageId: t.ack.messageId }];
    case 'rerun':
      return [{ at, status: 'rerun', run: t.run, by: t.by, ...(t.previousCode ? { code: t.previousCode } : {}) }];
    default: {
      const f = fieldsOf(t);
      return [{ at, status: f.status!, ...(f.code ? { code: f.code } : {}), ...(f.text ? { text: f.text } : {}) }];
    }
  }
}

// Read-only scripts live beside the transitions, outside the lifecycle table (queues/commands/reads/).
const SCAN_PARKED_LUA = readFileSync(fileURLToPath(new URL('./commands/reads/scan-parked-0.lua', import.meta.url)), 'utf8');

export class DocumentStore {
  private readonly keys: RedisKeys;
  private readonly maxLen: number;

  /** When each document was accepted (ISO), or undefined where the record is gone; one round trip. */
  async acceptedAtOf(refs: ReadonlyArray<{ tenant: string; documentId: string }>): Promise<Array<string | undefined>> {
    if (refs.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const r of refs) pipe.hget(this.keys.doc(r.tenant, r.documentId), 'acceptedAt');
    return ((await pipe.exec()) ?? []).map(([err, v]) => (err || typeof v !== 'string' ? undefined : v));
  }

  /**
   * One SCAN step over the records, filtered in Redis so only parked ones come back (for the parked-now
   * gauge). Each call touches about `count` keys, so Redis is never held for long. Reads only.
   */
  async parkedChunk(cursor: string, count: number): Promise<{ next: string; parked: Array<{ controller: string; code: string }> }> {
    const r = this.redis as Redis & { kgwParkedChunk?: (cursor: string, match: string, count: number) => Promise<string[]> };
    if (!r.kgwParkedChunk) r.defineCommand('kgwParkedChunk', { numberOfKeys: 0, lua: SCAN_PARKED_LUA });
    const [next, ...parked] = await r.kgwParkedChunk!(cursor, this.keys.docPattern(), count);
    return { next: next ?? '0', parked: parked.map((m) => { const [controller = '', code = ''] = m.split('\n'); return { controller, code }; }) };
  }

  constructor(
    private readonly redis: Redis,
    prefix: string,
    opts: DocumentStoreOptions = {},
  ) {
    this.keys = new RedisKeys(prefix);
    this.maxLen = opts.eventStreamMaxLen ?? DEFAULT_EVENT_STREAM_MAXLEN;
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1) throw new TypeError('eventStreamMaxLen must be a positive integer');
    defineLuaCommands(redis);
  }

  /**
   * The one way a document's state changes: runs the transition's Lua script (queues/commands/), which
   * checks the guard of domain/lifecycle.ts against the stored status and writes record, history and
   * the tenant's lifecycle event together, or nothing (QUEUE_TRANSITION_REFUSED).
   */
  async apply(t: Transition, now = new Date()): Promise<Applied> {
    const at = now.toISOString();
    const ref = refOf(t);
    const k = this.keys;
    const { tenant, documentId } = ref;
    let reply: ApplyReply;
    if (t.kind === 'accept') {
      const r = t.record;
      reply = (await runLuaCommand(
        this.redis,
        'accept',
        [k.doc(tenant, documentId), k.hist(tenant, documentId), k.open, k.events(tenant), k.payload(tenant, documentId), k.sub(r.submissionId), k.docidx(documentId)],
        [tenant, pack(asBuffer(t.payload)), JSON.stringify({ at, status: 'accepted', ...(r.tenantMessageId ? { tenantMessageId: r.tenantMessageId } : {}) } satisfies HistoryEvent), this.maxLen, at, documentId, r.submissionId, ...encode(r)],
      )) as ApplyReply;
      if (reply[0] === 'created') return { status: 'accepted', run: r.run };
      if (reply[0] === 'foreign') throw new GatewayError('INTAKE_DUPLICATE_DIFFERENT_CONTENT', 'This document id belongs to another submitter');
      const existing = await this.get(tenant, documentId);
      throw transitionRefused('accept', ref, existing?.status);
    }
    const spec = LIFECYCLE[t.kind];
    const hist = t.kind === 'discard' ? [] : historyOf(t, at);
    // A rerun clears the code it was parked with (the history keeps it); its status is decided in Lua.
    const fields: Partial<DocumentRecord> = t.kind === 'discard' ? {} : t.kind === 'rerun' ? { code: '', text: '' } : fieldsOf(t);
    const head = [spec.from.join(' '), k.openMember(tenant, documentId), this.maxLen, t.kind, at, codeOf(t) ?? ''];
    const base = [k.doc(tenant, documentId), k.hist(tenant, documentId), k.open, k.events(tenant)];
    let keys: string[];
    let extra: [string | number | Buffer, string | number];
    switch (t.kind) {
      case 'sign':
      case 'sign-and-send':
        keys = [...base, k.signed(tenant, documentId), k.payload(tenant, documentId)];
        extra = [pack(asBuffer(t.signed)), ''];
        break;
      case 'archive':
        keys = [...base, k.signed(tenant, documentId), k.payload(tenant, documentId), k.docidx(documentId), k.sub(t.submissionId)];
        extra = [Math.max(1, t.retention.payloadSeconds), Math.max(1, t.retention.recordSeconds)];
        break;
      case 'rerun':
        keys = [...base, k.signed(tenant, documentId)];
        extra = [t.run, ''];
        break;
      case 'discard':
        keys = [...base, k.payload(tenant, documentId), k.signed(tenant, documentId), k.sub(t.submissionId), k.docidx(documentId)];
        extra = ['', ''];
        break;
      default:
        keys = base;
        extra = ['', ''];
    }
    reply = (await runLuaCommand(this.redis, t.kind, keys, [
      ...head,
      documentId,
      ...extra,
      hist.length,
      ...hist.map((h) => JSON.stringify(h)),
      ...(t.kind === 'discard' ? [] : encode({ ...fields, updatedAt: at })), // discard deletes the record
    ])) as ApplyReply;
    if (reply[0] === 'refused') throw transitionRefused(t.kind, ref, (reply[1] || undefined) as DocumentStatus | undefined);
    if (reply[0] !== 'ok') throw new GatewayError('INTERNAL', `unexpected reply of the ${t.kind} script`);
    return { status: reply[1] as Applied['status'], run: Number(reply[2]) };
  }

  /** Atomically stores a new document (the 'accept' transition), or reports the existing one with the same id. */
  /** `input.submissionId`: given by intake when it logs the acceptance before storing; else a new one. */
  async create(input: Omit<DocumentRecord, 'submissionId' | 'status' | 'acceptedAt' | 'updatedAt' | 'attempts' | 'run' | 'contentSha256' | 'size'> & { submissionId?: string }, payload: Buffer, now = new Date()): Promise<CreateResult> {
    const record: DocumentRecord = {
      ...input,
      submissionId: input.submissionId ?? randomUUID(),
      status: 'accepted',
      contentSha256: sha256Hex(payload),
      size: payload.length,
      acceptedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      attempts: 0,
      run: 0,
    };
    try {
      await this.apply({ kind: 'accept', record, payload }, now);
      return { created: true, record };
    } catch (err) {
      if (errorCodeOf(err) !== 'QUEUE_TRANSITION_REFUSED') throw err;
      const existing = await this.get(record.tenant, record.documentId);
      if (!existing) throw new GatewayError('INTERNAL', 'Document vanished during intake');
      return { created: false, existing };
    }
  }

  /** Removes everything create() wrote (the 'discard' transition); used when enqueueing fails right after create. */
  async discard(record: Pick<DocumentRecord, 'tenant' | 'documentId' | 'submissionId'>): Promise<void> {
    await this.apply({ kind: 'discard', ref: { tenant: record.tenant, documentId: record.documentId }, submissionId: record.submissionId });
  }

  async get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> {
    const hash = await this.redis.hgetall(this.keys.doc(tenant, documentId));
    return Object.keys(hash).length === 0 ? undefined : decode(hash);
  }

  /** Owner lookup across tenants, for dependency checks (an organizer may version a provider's document). */
  async findById(documentId: string): Promise<DocumentRecord | undefined> {
    const tenant = await this.redis.get(this.keys.docidx(documentId));
    return tenant ? this.get(tenant, documentId) : undefined;
  }

  async bySubmission(submissionId: string): Promise<{ tenant: string; documentId: string } | undefined> {
    const v = await this.redis.get(this.keys.sub(submissionId));
    if (!v) return undefined;
    const [tenant, documentId] = v.split('\n') as [string, string];
    return { tenant, documentId };
  }

  async history(tenant: string, documentId: string): Promise<HistoryEvent[]> {
    return (await this.redis.lrange(this.keys.hist(tenant, documentId), 0, -1)).map((s) => JSON.parse(s) as HistoryEvent);
  }

  async payload(tenant: string, documentId: string): Promise<Buffer | undefined> {
    return unpack(await this.redis.getBuffer(this.keys.payload(tenant, documentId)));
  }

  async signed(tenant: string, documentId: string): Promise<Buffer | undefined> {
    return unpack(await this.redis.getBuffer(this.keys.signed(tenant, documentId)));
  }

  /** The record with its bytes, in one round trip (the send lane's hot path). */
  async loadForSend(tenant: string, documentId: string): Promise<SendState | undefined> {
    const res = await this.redis
      .pipeline()
      .hgetall(this.keys.doc(tenant, documentId))
      .getBuffer(this.keys.signed(tenant, documentId))
      .getBuffer(this.keys.payload(tenant, documentId))
      .exec();
    if (!res) return undefined;
    for (const [err] of res) if (err) throw err;
    const hash = res[0]![1] as Record<string, string>;
    if (Object.keys(hash).length === 0) return undefined;
    return { record: decode(hash), signed: unpack(res[1]![1] as Buffer | null), payload: unpack(res[2]![1] as Buffer | null) };
  }

  // --- callbacks (issue 12 item 3): the non-delivery scan walks the open set in steps of about `count`
  // members (one SSCAN each, reads only) and reads their acceptance times with acceptedAtOf.
  async openChunk(cursor: string, count: number): Promise<{ next: string; refs: Array<{ tenant: string; documentId: string }> }> {
    const [next, members] = await this.redis.sscan(this.keys.open, cursor, 'COUNT', count);
    return { next, refs: members.map((m) => { const [tenant = '', documentId = ''] = m.split('\n'); return { tenant, documentId }; }) };
  }

/** Streams the documents not yet in a terminal state (SSCAN of the open set). */
  async *scanOpen(): AsyncGenerator<DocumentRecord> {
    const stream = this.redis.sscanStream(this.keys.open, { count: 500 });
    for await (const members of stream as AsyncIterable<string[]>) {
      for (const member of members) {
        const [tenant, documentId] = member.split('\n') as [string, string];
        const rec = await this.get(tenant, documentId);
        if (rec && isOpen(rec.status)) yield rec;
        else await this.redis.srem(this.keys.open, member);
      }
    }
  }

  async openCount(): Promise<number> {
    return this.redis.scard(this.keys.open);
  }

  /** Streams every record (SCAN, never KEYS), for reruns and reports. */
  async *scan(match: { tenant?: string } = {}): AsyncGenerator<DocumentRecord> {
    const stream = this.redis.scanStream({ match: this.keys.docPattern(match.tenant), count: 500 });
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
    for (const key of [this.keys.doc(tenant, documentId), this.keys.payload(tenant, documentId), this.keys.signed(tenant, documentId), this.keys.hist(tenant, documentId)]) {
      // SAMPLES 0: every field counted; the default estimate from 5 fields swings with which are sampled.
      const n = (await this.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
      total += n ?? 0;
    }
    return total;
  }
}
