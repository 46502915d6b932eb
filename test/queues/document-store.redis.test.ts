import { testDecision, testReceipt, testRecordInput, type TestRecordInput } from '../helpers/record-fixtures.ts';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { errorCodeOf } from '../../domain/errors.ts';
import { DocumentStore, sha256Hex, type DocumentRecord } from '../../queues/document-store.ts';
import { useRedis } from '../helpers/redis.ts';

type CreateInput = TestRecordInput;

const ORG = '1.2.246.10.44444444.10.0';

function input(over: Partial<CreateInput> = {}): CreateInput {
  return testRecordInput(ORG, { decision: testDecision({ right: { unit: '1.2.246.10.1.2', start: '2026-01-01', task: 'T1' } }), ...over });
}

// Non-ASCII, CRLF line ends, a BOM-less UTF-8 XML with Finnish letters and an emoji.
const PAYLOAD = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\r\n<doc>Äiti ja lapsi: käynti öisin – ✓ 🙂</doc>\r\n' + 'AbCd'.repeat(500), 'utf8');

describe('queues/document-store (real Redis)', function () {
  this.timeout(20_000);
  const server = useRedis();
  let redis: Redis;
  let store: DocumentStore;
  let prefix: string;

  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `t${randomUUID().slice(0, 8)}`;
    store = new DocumentStore(redis, prefix);
  });

  const keysOf = async () => (await redis.keys(`${prefix}:*`)).sort();

  it('stores the large JSON fields deflated and reads them back equal; a record with plain JSON still reads', async () => {
    const header = { documentId: 'x', title: 'Käyntikirjaus ✓', authors: Array.from({ length: 8 }, (_, i) => ({ oid: `${ORG}.${i}`, name: `Tekijä ${i}` })) };
    const res = await store.create(input({ header: header as unknown as CreateInput['header'] }), PAYLOAD);
    const rec = (res as { record: DocumentRecord }).record;
    const key = `${prefix}:doc:${rec.tenant}:${rec.documentId}`;
    const raw = await redis.hmget(key, 'decision', 'header');
    for (const v of raw) expect(v!.startsWith('z:'), String(v).slice(0, 20)).to.equal(true);
    const back = (await store.get(rec.tenant, rec.documentId))!;
    expect(back.header).to.deep.equal(header);
    expect(back.decision).to.deep.equal(rec.decision);
    // Written by an earlier version: plain JSON.
    await redis.hset(key, 'decision', JSON.stringify(rec.decision), 'header', JSON.stringify(header));
    const old = (await store.get(rec.tenant, rec.documentId))!;
    expect(old.header).to.deep.equal(header);
    expect(old.decision).to.deep.equal(rec.decision);
  });

  it('create stores record, bytes, history, submission, owner and open-set entry', async () => {
    const res = await store.create(input(), PAYLOAD);
    expect(res.created).to.equal(true);
    const rec = (res as { record: DocumentRecord }).record;
    expect(rec).to.include({ status: 'accepted', attempts: 0, run: 0, size: PAYLOAD.length, contentSha256: sha256Hex(PAYLOAD) });
    const keys = await keysOf();
    expect(keys).to.deep.equal(
      [
        `${prefix}:doc:ta:${rec.documentId}`,
        `${prefix}:docidx:${rec.documentId}`,
        `${prefix}:events:ta`,
        `${prefix}:hist:ta:${rec.documentId}`,
        `${prefix}:open`,
        `${prefix}:payload:ta:${rec.documentId}`,
        `${prefix}:sub:${rec.submissionId}`,
      ].sort(),
    );
    const back = await store.get('ta', rec.documentId);
    expect(back).to.deep.equal(rec); // numbers, JSON fields and arrays round-trip with their types
    expect(await store.bySubmission(rec.submissionId)).to.deep.equal({ tenant: 'ta', documentId: rec.documentId });
    expect(await store.findById(rec.documentId)).to.deep.equal(rec);
    expect(await store.openCount()).to.equal(1);
  });

  it('is idempotent: a second create returns the existing record and changes nothing', async () => {
    const inp = input();
    const first = await store.create(inp, PAYLOAD);
    const before = await keysOf();
    const second = await store.create(inp, Buffer.from('other bytes'));
    expect(second.created).to.equal(false);
    const existing = (second as { existing: DocumentRecord }).existing;
    expect(existing.submissionId).to.equal((first as { record: DocumentRecord }).record.submissionId);
    expect(existing.contentSha256).to.equal(sha256Hex(PAYLOAD));
    expect(await keysOf()).to.deep.equal(before);
    expect((await store.payload('ta', inp.documentId))!.equals(PAYLOAD)).to.equal(true);
    expect(await store.history('ta', inp.documentId)).to.have.length(1);
  });

  it('refuses the same document id from another tenant with INTAKE_DUPLICATE_DIFFERENT_CONTENT, storing nothing', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    const before = await keysOf();
    let caught: unknown;
    try {
      await store.create({ ...inp, tenant: 'tb' }, PAYLOAD);
    } catch (err) {
      caught = err;
    }
    expect(errorCodeOf(caught)).to.equal('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
    expect(await keysOf()).to.deep.equal(before);
    expect(await store.get('tb', inp.documentId)).to.equal(undefined);
  });

  it('is all-or-nothing under a race: of concurrent creates of one id from two tenants exactly one stores', async () => {
    const inp = input();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.create({ ...inp, tenant: i % 2 === 0 ? 'ta' : 'tb' }, Buffer.from(`bytes ${i}`))),
    );
    const created = outcomes.filter((o) => o.status === 'fulfilled' && o.value.created);
    expect(created).to.have.length(1);
    const winner = (created[0] as PromiseFulfilledResult<{ created: true; record: DocumentRecord }>).value.record;
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(errorCodeOf(o.reason)).to.equal('INTAKE_DUPLICATE_DIFFERENT_CONTENT');
      else if (!o.value.created) expect(o.value.existing.submissionId).to.equal(winner.submissionId);
    }
    // Losers are exactly the other tenant's attempts; the winner's keys are complete and single.
    const refused = outcomes.filter((o) => o.status === 'rejected').length;
    expect(refused).to.equal(10);
    const keys = await keysOf();
    expect(keys.filter((k) => k.includes(':doc:'))).to.deep.equal([`${prefix}:doc:${winner.tenant}:${inp.documentId}`]);
    expect(keys.filter((k) => k.includes(':sub:'))).to.have.length(1);
    expect(sha256Hex((await store.payload(winner.tenant, inp.documentId))!)).to.equal(winner.contentSha256);
  });

  it('round-trips the payload byte for byte although it is stored deflated', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    const raw = await redis.getBuffer(`${prefix}:payload:ta:${inp.documentId}`);
    expect(raw!.length).to.be.below(PAYLOAD.length / 2);
    expect(raw!.includes(Buffer.from('<doc>'))).to.equal(false);
    const back = await store.payload('ta', inp.documentId);
    expect(back!.equals(PAYLOAD)).to.equal(true);
    expect(back!.toString('utf8')).to.contain('\r\n<doc>Äiti');
    const state = await store.loadForSend('ta', inp.documentId);
    expect(state!.payload!.equals(PAYLOAD)).to.equal(true);
    expect(state!.signed).to.equal(undefined);
  });

  const ref = (documentId: string, tenant = 'ta') => ({ tenant, documentId });
  const ACK = { action: 'archived' as const, messageId: 'm-1', typeCode: 'AA' };

  it('sign-and-send stores the signed bytes, drops the payload and records the send in one step', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    const signed = Buffer.concat([PAYLOAD, Buffer.from('<!-- signed ✓ -->\r\n')]);
    await store.apply({ kind: 'sign-and-send', ref: ref(inp.documentId), signed, signature: testReceipt({ signatureId: 'sig_01' }), attempt: 1 });
    expect(await store.payload('ta', inp.documentId)).to.equal(undefined);
    expect((await store.signed('ta', inp.documentId))!.equals(signed)).to.equal(true);
    const rec = await store.get('ta', inp.documentId);
    expect(rec).to.include({ status: 'sending', attempts: 1 });
    expect(rec!.signature).to.deep.equal(testReceipt({ signatureId: 'sig_01' }));
    expect((await store.history('ta', inp.documentId)).map((h) => [h.status, h.attempt])).to.deep.equal([
      ['accepted', undefined],
      ['signed', undefined],
      ['sending', 1],
    ]);
    const state = await store.loadForSend('ta', inp.documentId);
    expect(state!.payload).to.equal(undefined);
    expect(state!.signed!.equals(signed)).to.equal(true);
  });

  it('sign (without a send) leaves the document "signed"', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    await store.apply({ kind: 'sign', ref: ref(inp.documentId), signed: PAYLOAD, signature: testReceipt() });
    expect(await store.get('ta', inp.documentId)).to.include({ status: 'signed', attempts: 0 });
  });

  it('archive sets the retention TTLs and removes the document from the open set', async () => {
    const inp = input();
    const { record } = (await store.create(inp, PAYLOAD)) as { record: DocumentRecord };
    await store.apply({ kind: 'sign-and-send', ref: ref(inp.documentId), signed: PAYLOAD, signature: testReceipt(), attempt: 1 });
    await store.apply({ kind: 'archive', ref: ref(inp.documentId), submissionId: record.submissionId, ack: ACK, retention: { payloadSeconds: 100, recordSeconds: 5_000 } });
    const ttl = (k: string) => redis.ttl(`${prefix}:${k}`);
    expect(await ttl(`signed:ta:${inp.documentId}`)).to.be.within(90, 100);
    for (const k of [`doc:ta:${inp.documentId}`, `hist:ta:${inp.documentId}`, `docidx:${inp.documentId}`, `sub:${record.submissionId}`]) {
      expect(await ttl(k), k).to.be.within(4_990, 5_000);
    }
    expect(await redis.sismember(`${prefix}:open`, `ta\n${inp.documentId}`)).to.equal(0);
    const rec = await store.get('ta', inp.documentId);
    expect(rec).to.include({ status: 'archived', lastMessageId: 'm-1' });
    expect(rec!.ack).to.deep.equal(ACK);
    expect((await store.history('ta', inp.documentId)).at(-1)!.status).to.equal('archived');
  });

  it('archive with zero retention still expires (never a key without TTL)', async () => {
    const inp = input();
    const { record } = (await store.create(inp, PAYLOAD)) as { record: DocumentRecord };
    await store.apply({ kind: 'send', ref: ref(inp.documentId), attempt: 1 }); // unsigned bytes still stored
    await store.apply({ kind: 'archive', ref: ref(inp.documentId), submissionId: record.submissionId, ack: ACK, retention: { payloadSeconds: 0, recordSeconds: 0 } });
    expect(await redis.ttl(`${prefix}:payload:ta:${inp.documentId}`)).to.be.within(0, 1);
  });

  it('scanOpen streams only documents not in a terminal state (and tidies stale members)', async () => {
    const ids: Record<string, string> = {};
    for (const s of ['accepted', 'signed', 'sending', 'archived', 'parked', 'rejected'] as const) {
      const inp = input();
      ids[s] = inp.documentId;
      const { record } = (await store.create(inp, PAYLOAD)) as { record: DocumentRecord };
      const r = ref(inp.documentId);
      if (s === 'signed') await store.apply({ kind: 'sign', ref: r, signed: PAYLOAD, signature: testReceipt() });
      if (s === 'sending' || s === 'archived' || s === 'rejected') await store.apply({ kind: 'send', ref: r, attempt: 1 });
      if (s === 'archived') await store.apply({ kind: 'archive', ref: r, submissionId: record.submissionId, ack: ACK, retention: { payloadSeconds: 60, recordSeconds: 60 } });
      if (s === 'rejected') await store.apply({ kind: 'reject', ref: r, code: 'KANTA_REJECTED', text: 'AR', ack: { ...ACK, action: 'reject' } });
      if (s === 'parked') await store.apply({ kind: 'park-sign-failed', ref: r, code: 'SIGN_SELF_CHECK_FAILED', text: 'self check' });
    }
    // A parked document whose open-set removal was lost (e.g. written by an older version).
    await redis.sadd(`${prefix}:open`, `ta\n${ids.parked}`);
    const open: string[] = [];
    for await (const r of store.scanOpen()) open.push(r.status);
    expect(open.sort()).to.deep.equal(['accepted', 'sending', 'signed']);
    expect(await store.openCount()).to.equal(3);
  });

  it('keeps history append-only: updates add events, never rewrite earlier ones', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    const first = await store.history('ta', inp.documentId);
    await store.apply({ kind: 'send', ref: ref(inp.documentId), attempt: 1 });
    await store.apply({ kind: 'retry', ref: ref(inp.documentId), code: 'KANTA_TIMEOUT', attempt: 1, ack: { ...ACK, action: 'retry' } });
    const hist = await store.history('ta', inp.documentId);
    expect(hist.slice(0, 1)).to.deep.equal(first);
    expect(hist.map((h) => h.status)).to.deep.equal(['accepted', 'sending', 'retry']);
    expect(hist[2]).to.include({ code: 'KANTA_TIMEOUT', attempt: 1 });
    for (const h of hist) expect(Date.parse(h.at)).to.be.a('number').and.not.NaN;
  });

  it('transitions move a document in and out of the open set by status', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    await store.apply({ kind: 'park-sign-failed', ref: ref(inp.documentId), code: 'SIGN_SELF_CHECK_FAILED', text: 'C' });
    expect(await store.openCount()).to.equal(0);
    await store.apply({ kind: 'rerun', ref: ref(inp.documentId), run: 1, by: 'op' });
    expect(await store.openCount()).to.equal(1);
  });

  it('discard removes every key create (and signing) wrote', async () => {
    const inp = input();
    const { record } = (await store.create(inp, PAYLOAD)) as { record: DocumentRecord };
    await store.apply({ kind: 'sign', ref: ref(inp.documentId), signed: PAYLOAD, signature: testReceipt() });
    await store.discard(record);
    // Only the tenant's lifecycle stream is left, telling its readers that the accept was undone.
    expect(await keysOf()).to.deep.equal([`${prefix}:events:ta`]);
    const last = (await redis.xrevrange(`${prefix}:events:ta`, '+', '-', 'COUNT', 1))[0]![1];
    expect(last).to.include.members(['discard', 'discarded', inp.documentId]);
    // The id is free again, for any tenant.
    expect((await store.create({ ...inp, tenant: 'tb' }, PAYLOAD)).created).to.equal(true);
  });

  it('scan streams every record, optionally by tenant', async () => {
    await store.create(input(), PAYLOAD);
    await store.create(input(), PAYLOAD);
    await store.create(input({ tenant: 'tb' }), PAYLOAD);
    const all: string[] = [];
    for await (const r of store.scan()) all.push(r.tenant);
    expect(all.sort()).to.deep.equal(['ta', 'ta', 'tb']);
    const onlyB: string[] = [];
    for await (const r of store.scan({ tenant: 'tb' })) onlyB.push(r.tenant);
    expect(onlyB).to.deep.equal(['tb']);
  });

  it('reports the Redis bytes of a document below its raw size for compressible XML', async () => {
    const inp = input();
    await store.create(inp, PAYLOAD);
    const bytes = await store.memoryUsage('ta', inp.documentId);
    expect(bytes).to.be.greaterThan(0);
    expect(bytes).to.be.below(PAYLOAD.length * 1.5);
  });
});
