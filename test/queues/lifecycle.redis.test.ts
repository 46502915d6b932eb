// The lifecycle table against the store on a real redis-server: each transition applied from each
// status its guard allows works and writes record, history and one stream event; from any other
// status it is refused with QUEUE_TRANSITION_REFUSED and writes nothing (every key byte for byte,
// TTLs included). Then the tenant's event stream and its reader, and a whole pipeline run watched with
// MONITOR: no command outside a lifecycle script writes a document's record or history.
import { testDecision, testReceipt, testRecordInput, type TestRecordInput } from '../helpers/record-fixtures.ts';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { validateConfig } from '../../config/load.ts';
import type { DocumentStatus } from '../../domain/document-record.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { LIFECYCLE, TRANSITION_KINDS, type DocumentRef, type Transition, type TransitionKind } from '../../domain/lifecycle.ts';
import { buildRoutingIndex } from '../../gateway/routing/index-build.ts';
import { DocumentStore, type DocumentRecord } from '../../queues/document-store.ts';
import { luaCommands } from '../../queues/lifecycle-commands.ts';
import { LifecycleEvents } from '../../queues/lifecycle-events.ts';
import { Pipeline } from '../../queues/pipeline.ts';
import type { DocumentSender, DocumentSigner, SendResult } from '../../queues/ports.ts';
import { useRedis } from '../helpers/redis.ts';

const ORG = '1.2.246.10.70000000.10.0';
const STATUSES: readonly DocumentStatus[] = ['accepted', 'signed', 'sending', 'archived', 'parked', 'rejected'];
const PAYLOAD = Buffer.from('<doc>näyte</doc>', 'utf8');
const SIGNED = Buffer.from('<doc>näyte</doc><!--signed-->', 'utf8');

function input(tenant = 'ta'): TestRecordInput {
  return testRecordInput(ORG, { tenant });
}

const ack = (action: SendResult['action']) => ({ action, messageId: randomUUID(), typeCode: 'AA' });

/** A sample transition of each kind for one document. */
function sample(kind: TransitionKind, ref: DocumentRef, rec: Pick<DocumentRecord, 'submissionId' | 'run'>, fresh: DocumentRecord): Transition {
  switch (kind) {
    case 'accept':
      return { kind, record: fresh, payload: PAYLOAD };
    case 'discard':
      return { kind, ref, submissionId: rec.submissionId };
    case 'sign':
      return { kind, ref, signed: SIGNED, signature: testReceipt() };
    case 'sign-and-send':
      return { kind, ref, signed: SIGNED, signature: testReceipt(), attempt: 1 };
    case 'send':
      return { kind, ref, attempt: 2 };
    case 'retry':
      return { kind, ref, code: 'KANTA_TIMEOUT', attempt: 1, ack: ack('retry') };
    case 'await-controller':
      return { kind, ref, code: 'KANTA_CONTROLLER_BLOCKED', ack: ack('park-controller') };
    case 'archive':
      return { kind, ref, submissionId: rec.submissionId, ack: ack('archived'), retention: { payloadSeconds: 60, recordSeconds: 600 } };
    case 'park-payload-missing':
      return { kind, ref };
    case 'park-sign-failed':
      return { kind, ref, code: 'SIGN_SELF_CHECK_FAILED', text: 'self check failed' };
    case 'park-send-failed':
      return { kind, ref, code: 'INTAKE_MISSING_FIELD', text: 'no RPLC parent' };
    case 'park-retry-exhausted':
      return { kind, ref, text: 'last error KANTA_TIMEOUT', ack: ack('retry') };
    case 'park':
      return { kind, ref, code: 'KANTA_HTTP_4XX', text: 'refused', ack: ack('park') };
    case 'reject':
      return { kind, ref, code: 'KANTA_REJECTED', text: 'AR', ack: ack('reject') };
    case 'rerun':
      return { kind, ref, run: rec.run + 1, by: 'op-1', previousCode: 'KANTA_HTTP_4XX' };
  }
}

/** Transitions that bring a new document to `status`. */
const PATHS: Record<DocumentStatus, TransitionKind[]> = {
  accepted: [],
  signed: ['sign'],
  sending: ['sign-and-send'],
  archived: ['sign-and-send', 'archive'],
  parked: ['sign-and-send', 'park'],
  rejected: ['sign-and-send', 'reject'],
};

describe('queues/document-store apply(): the lifecycle table on real Redis', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let store: DocumentStore;

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `l${randomUUID().slice(0, 8)}`;
    store = new DocumentStore(redis, prefix);
  });

  /**
   * Every key under the prefix with its content and absolute expiry: "writes nothing" means this does
   * not change. Content, not DUMP: a read may rehash a hash and so reorder its serialised fields.
   */
  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of (await redis.keys(`${prefix}:*`)).sort()) {
      const type = await redis.type(key);
      const content =
        type === 'hash' ? Object.entries(await redis.hgetall(key)).sort()
        : type === 'string' ? (await redis.getBuffer(key))!.toString('base64')
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? (await redis.smembers(key)).sort()
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : type;
      out[key] = { type, content, expiresAt: await redis.call('EXPIRETIME', key) };
    }
    return out;
  }

  async function docIn(status: DocumentStatus | undefined): Promise<{ ref: DocumentRef; rec: DocumentRecord; fresh: DocumentRecord }> {
    const inp = input();
    const fresh = { ...inp, submissionId: randomUUID(), status: 'accepted', contentSha256: 'x', size: PAYLOAD.length, acceptedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), attempts: 0, run: 0 } as DocumentRecord;
    const ref = { tenant: inp.tenant, documentId: inp.documentId };
    if (status === undefined) return { ref, rec: fresh, fresh };
    const res = await store.create(inp, PAYLOAD);
    if (!res.created) throw new Error('duplicate');
    for (const kind of PATHS[status]) await store.apply(sample(kind, ref, res.record, fresh));
    expect((await store.get(ref.tenant, ref.documentId))!.status).to.equal(status);
    return { ref, rec: res.record, fresh: { ...fresh, ...ref, submissionId: randomUUID() } };
  }

  it('has one Lua command file per transition kind, and none without a transition', () => {
    expect([...luaCommands().keys()].sort()).to.deep.equal([...TRANSITION_KINDS].sort());
  });

  for (const kind of TRANSITION_KINDS) {
    for (const status of [undefined, ...STATUSES]) {
      const allowed = status === undefined ? LIFECYCLE[kind].from.length === 0 : LIFECYCLE[kind].from.includes(status);
      it(`${kind} from ${status ?? 'no record'}: ${allowed ? 'applies' : 'refused, nothing written'}`, async () => {
        const { ref, rec, fresh } = await docIn(status);
        const t = sample(kind, ref, rec, fresh);
        const before = await snapshot();
        const histBefore = await store.history(ref.tenant, ref.documentId);
        if (!allowed) {
          let caught: unknown;
          try {
            await store.apply(t);
          } catch (err) {
            caught = err;
          }
          expect(errorCodeOf(caught)).to.equal('QUEUE_TRANSITION_REFUSED');
          expect((caught as { details: Record<string, unknown> }).details).to.deep.include({ transition: kind, from: status ?? null });
          expect(await snapshot()).to.deep.equal(before);
          return;
        }
        const applied = await store.apply(t);
        const after = await store.get(ref.tenant, ref.documentId);
        const events = (await new LifecycleEvents(redis, prefix).read(ref.tenant)).events;
        const last = events.at(-1)!;
        expect(last).to.include({ type: kind, documentId: ref.documentId });
        expect(last.status).to.equal(applied.status);
        if (kind === 'discard') {
          expect(after).to.equal(undefined);
          expect(applied.status).to.equal('discarded');
          return;
        }
        expect(LIFECYCLE[kind].to).to.include(after!.status);
        expect(applied.status).to.equal(after!.status);
        expect(last.submissionId).to.equal(after!.submissionId);
        const hist = await store.history(ref.tenant, ref.documentId);
        expect(hist.slice(0, histBefore.length)).to.deep.equal(histBefore);
        expect(hist.slice(histBefore.length).map((h) => h.status)).to.deep.equal([...LIFECYCLE[kind].history]);
        expect(await redis.sismember(`${prefix}:open`, `${ref.tenant}\n${ref.documentId}`)).to.equal(LIFECYCLE[kind].open ? 1 : 0);
      });
    }
  }

  it('rerun goes back to signed when signed bytes exist, else to accepted, and clears the code', async () => {
    const withBytes = await docIn('parked');
    expect(await store.apply({ kind: 'rerun', ref: withBytes.ref, run: 1, by: 'op' })).to.deep.equal({ status: 'signed', run: 1 });
    const inp = input();
    await store.create(inp, PAYLOAD);
    const ref = { tenant: inp.tenant, documentId: inp.documentId };
    await store.apply({ kind: 'park-sign-failed', ref, code: 'SIGN_SELF_CHECK_FAILED', text: 'x' });
    expect(await store.apply({ kind: 'rerun', ref, run: 1, by: 'op' })).to.deep.equal({ status: 'accepted', run: 1 });
    expect(await store.get(ref.tenant, ref.documentId)).to.include({ status: 'accepted', run: 1, code: '', text: '' });
  });

  it('keeps the signed bytes of a signed document: a second sign is refused (resends stay byte-identical)', async () => {
    const { ref } = await docIn('signed');
    let caught: unknown;
    try {
      await store.apply({ kind: 'sign', ref, signed: Buffer.from('other bytes'), signature: testReceipt() });
    } catch (err) {
      caught = err;
    }
    expect(errorCodeOf(caught)).to.equal('QUEUE_TRANSITION_REFUSED');
    expect((await store.signed(ref.tenant, ref.documentId))!.equals(SIGNED)).to.equal(true);
  });

  describe('the per-tenant lifecycle event stream', () => {
    it('carries type, ids, status, code and time only: never content or a hetu', async () => {
      const { ref, rec } = await docIn('sending');
      await store.apply({ kind: 'park', ref, code: 'KANTA_HTTP_4XX', text: 'hetu 010101-999X in a refusal text', ack: ack('park') });
      const raw = await redis.xrange(`${prefix}:events:ta`, '-', '+');
      expect(raw).to.have.length(3);
      for (const [, flat] of raw) {
        const fields = flat.filter((_, i) => i % 2 === 0);
        expect(fields.every((f) => ['type', 'documentId', 'submissionId', 'status', 'code', 'at'].includes(f)), fields.join()).to.equal(true);
        expect(flat.join(' ')).not.to.contain('näyte').and.not.to.contain('010101-999X');
      }
      const { events } = await new LifecycleEvents(redis, prefix).read('ta');
      expect(events.map((e) => [e.type, e.status, e.code])).to.deep.equal([
        ['accept', 'accepted', undefined],
        ['sign-and-send', 'sending', undefined],
        ['park', 'parked', 'KANTA_HTTP_4XX'],
      ]);
      for (const e of events) expect(e).to.include({ documentId: ref.documentId, submissionId: rec.submissionId });
    });

    it('keeps tenants apart and reads on from an id, page by page', async () => {
      const reader = new LifecycleEvents(redis, prefix);
      const docs = [];
      for (let i = 0; i < 5; i += 1) docs.push((await store.create(input('ta'), PAYLOAD)) as { record: DocumentRecord });
      await store.create(input('tb'), PAYLOAD);
      const first = await reader.read('ta', { count: 2 });
      expect(first.events.map((e) => e.documentId)).to.deep.equal(docs.slice(0, 2).map((d) => d.record.documentId));
      const second = await reader.read('ta', { after: first.next, count: 2 });
      expect(second.events.map((e) => e.documentId)).to.deep.equal(docs.slice(2, 4).map((d) => d.record.documentId));
      const third = await reader.read('ta', { after: second.next });
      expect(third.events.map((e) => e.documentId)).to.deep.equal([docs[4]!.record.documentId]);
      const empty = await reader.read('ta', { after: third.next });
      expect(empty).to.deep.equal({ events: [], next: third.next });
      expect(await reader.latestId('ta')).to.equal(third.next);
      expect(await reader.latestId('nobody')).to.equal('0');
      expect((await reader.read('tb')).events).to.have.length(1);
    });

    it('a blocking read wakes for the next event', async () => {
      const blocking = new Redis(server.url);
      try {
        const reader = new LifecycleEvents(blocking, prefix);
        const from = await new LifecycleEvents(redis, prefix).latestId('ta');
        const pending = reader.read('ta', { after: from, blockMs: 5_000 });
        const { record } = (await store.create(input('ta'), PAYLOAD)) as { record: DocumentRecord };
        const page = await pending;
        expect(page.events.map((e) => [e.type, e.documentId])).to.deep.equal([['accept', record.documentId]]);
      } finally {
        blocking.disconnect();
      }
    });

    it('refuses an unreadable read position or count with REQUEST_INVALID', async () => {
      const reader = new LifecycleEvents(redis, prefix);
      for (const opts of [{ after: 'yesterday' }, { count: 0 }, { count: 1.5 }]) {
        let caught: unknown;
        try {
          await reader.read('ta', opts);
        } catch (err) {
          caught = err;
        }
        expect(errorCodeOf(caught), JSON.stringify(opts)).to.equal('REQUEST_INVALID');
      }
    });

    it('is trimmed to about eventStreamMaxLen entries', async () => {
      const small = new DocumentStore(redis, prefix, { eventStreamMaxLen: 10 });
      const { record } = (await small.create(input('ta'), PAYLOAD)) as { record: DocumentRecord };
      const ref = { tenant: 'ta', documentId: record.documentId };
      await small.apply({ kind: 'sign', ref, signed: SIGNED, signature: testReceipt() });
      for (let i = 0; i < 300; i += 1) await small.apply({ kind: 'send', ref, attempt: i + 1 });
      const len = await redis.xlen(`${prefix}:events:ta`);
      // MAXLEN ~ trims whole stream nodes (100 entries by default), never below the limit.
      expect(len).to.be.at.least(10).and.below(200);
      expect(() => new DocumentStore(redis, prefix, { eventStreamMaxLen: 0 })).to.throw(/eventStreamMaxLen/);
    });
  });

  describe('a pipeline run under MONITOR', () => {
    it('writes records and histories only inside lifecycle scripts, and feeds the stream and the callbacks', async () => {
      const loaded = validateConfig(
        {
          redis: { url: server.url, keyPrefix: prefix },
          kanta: { accessPoints: [{ id: 'ap', url: 'https://127.0.0.1:1/kanta', senderId: '1.2.246.10.9.10.0' }] },
          queues: { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 20, retryBudgetHours: 1 }, batch: { size: 4, waitMs: 2 }, laneConcurrency: 4, laneHighWater: 16 },
          organisations: [{ oid: ORG, name: 'Org', kind: 'private-provider' }],
          signingIdentities: [{ id: 'sig', certificates: [{ certFile: '/dev/null', keyFile: '/dev/null' }] }],
          tenants: [{ id: 'ta', name: 'T', credentials: { apiTokenSha256: ['0'.repeat(64)] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap', signingIdentity: 'sig' }],
        } as Record<string, unknown>,
        'test',
        '/',
      );
      const plan = new Map<string, SendResult['action'][]>();
      const sender: DocumentSender = {
        send: async (_ap, doc) => {
          const id = /id="([^"]+)"/.exec(doc.signedCda.toString('utf8'))![1]!;
          const action = plan.get(id)?.shift() ?? 'archived';
          return { action, messageId: randomUUID(), transportFailure: false, durationMs: 1, ...(action === 'archived' ? {} : { code: action === 'retry' ? 'KANTA_TIMEOUT' : 'KANTA_HTTP_4XX' }) };
        },
      };
      const signer: DocumentSigner = { sign: async (_id, xml) => ({ signedXml: `${xml}<!--signed-->`, receipt: testReceipt() }) };
      const finished: string[] = [];
      const monitor = await new Redis(server.url).monitor();
      const writes: Array<{ source: string; args: string[] }> = [];
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (args.some((a) => a.startsWith(`${prefix}:doc:`) || a.startsWith(`${prefix}:hist:`))) writes.push({ source, args });
      });
      const pipeline = await Pipeline.start({
        workerConnection: redis,
        producerConnection: redis,
        redis,
        prefix,
        store,
        signer,
        sender,
        config: () => loaded.config,
        lanes: () => buildRoutingIndex(loaded.config, loaded.version).lanes,
        events: { onFinished: (e) => finished.push(`${e.record.documentId}:${e.status}`) },
      });
      try {
        const docs: DocumentRecord[] = [];
        for (const actions of [[], ['retry'], ['park']] as SendResult['action'][][]) {
          const inp = input('ta');
          const res = (await store.create(inp, Buffer.from(`<doc id="${inp.documentId}">näyte</doc>`))) as { record: DocumentRecord };
          plan.set(inp.documentId, [...actions]);
          docs.push(res.record);
          await pipeline.enqueue(res.record);
        }
        const waitFor = async (ok: () => Promise<boolean>) => {
          const end = Date.now() + 10_000;
          while (!(await ok())) {
            if (Date.now() > end) throw new Error('pipeline did not finish');
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        await waitFor(async () => (await store.openCount()) === 0);
        expect((await pipeline.rerun({ code: 'KANTA_HTTP_4XX' }, 'op-1')).rerun).to.have.length(1);
        await waitFor(async () => (await store.get('ta', docs[2]!.documentId))!.status === 'archived');
        expect(finished.sort()).to.deep.equal([`${docs[0]!.documentId}:archived`, `${docs[1]!.documentId}:archived`, `${docs[2]!.documentId}:parked`, `${docs[2]!.documentId}:archived`].sort());
        const types = (await new LifecycleEvents(redis, prefix).read('ta', { count: 1000 })).events.filter((e) => e.documentId === docs[2]!.documentId).map((e) => e.type);
        expect(types).to.deep.equal(['accept', 'sign-and-send', 'park', 'rerun', 'send', 'archive']);
      } finally {
        await pipeline.close(2_000);
        monitor.disconnect();
      }
      const WRITES = /^(hset|hmset|hsetnx|hincrby|hincrbyfloat|hdel|rpush|lpush|lset|ltrim|linsert|set|del|unlink|expire|pexpire|rename|restore|copy|multi)$/i;
      const outside = writes.filter((w) => WRITES.test(w.args[0]!) && w.source !== 'lua');
      expect(outside, JSON.stringify(outside.slice(0, 3))).to.deep.equal([]);
      expect(writes.filter((w) => /^hset$/i.test(w.args[0]!) && w.source === 'lua').length).to.be.greaterThan(0);
    });
  });
});
