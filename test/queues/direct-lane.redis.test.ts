// The direct lane (queues/direct-lane.ts) on a real redis-server with a stub signer and a scripted
// sender: a document just accepted runs in the accepting process without a BullMQ job while nothing
// makes it wait; a retry, a dependency, an open circuit go on as BullMQ lane jobs with the same job id;
// a lease keeps the sweep and other enqueues away while it is live, and a run-out lease is reclaimed.
import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { validateConfig } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { buildRoutingIndex } from '../../gateway/routing/index-build.ts';
import { DocumentStore, type DocumentRecord, type DocumentStatus } from '../../queues/document-store.ts';
import { leaseMember } from '../../queues/lane-leases.ts';
import { Pipeline } from '../../queues/pipeline.ts';
import type { DocumentSender, DocumentSigner, SendAction, SendResult } from '../../queues/ports.ts';
import { RedisKeys } from '../../queues/redis-keys.ts';
import { jobIdOf } from '../../queues/topology.ts';
import { queueTestConfig } from '../helpers/queue-config.ts';
import { testReceipt, testRecordInput } from '../helpers/record-fixtures.ts';
import { useRedis } from '../helpers/redis.ts';

const ORG = '1.2.246.10.60000000.10.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set<DocumentStatus>(['archived', 'parked', 'rejected']);

type Step = { action: SendAction; code?: string };

class ScriptedSender implements DocumentSender {
  readonly calls: string[] = [];
  readonly scripts = new Map<string, Step[]>();
  gate: Promise<void> | undefined;

  async send(_ap: string, doc: { signedCda: Buffer }): Promise<SendResult> {
    const documentId = /id="([^"]+)"/.exec(doc.signedCda.toString('utf8'))![1]!;
    this.calls.push(documentId);
    await this.gate;
    const step = this.scripts.get(documentId)?.shift() ?? { action: 'archived' };
    return { messageId: randomUUID(), transportFailure: false, durationMs: 1, ...step };
  }
}

const signer: DocumentSigner = { sign: async (_id, xml) => ({ signedXml: `${xml}<!--signed-->`, receipt: testReceipt() }) };

describe('queues/direct-lane (real Redis, stub signer and sender)', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let keys: RedisKeys;
  let store: DocumentStore;
  let sender: ScriptedSender;
  let pipeline: Pipeline | undefined;

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `d${randomUUID().slice(0, 8)}`;
    keys = new RedisKeys(prefix);
    store = new DocumentStore(redis, prefix);
    sender = new ScriptedSender();
  });
  afterEach(async () => {
    await pipeline?.close(2_000);
    pipeline = undefined;
  });

  async function start(queues: ConfigInput['queues'] = {}): Promise<Pipeline> {
    const raw = queueTestConfig([ORG], { retry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 60 }, batch: { size: 3 }, laneHighWater: 16, dependencyPollMs: 20, ...queues });
    const loaded = validateConfig({ ...raw, redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
    pipeline = await Pipeline.start({
      workerConnection: redis,
      producerConnection: redis,
      redis,
      prefix,
      store,
      signer,
      sender,
      config: () => loaded.config,
      lanes: () => buildRoutingIndex(loaded.config, 'test').lanes,
    });
    return pipeline;
  }

  async function accept(over: Partial<DocumentRecord> = {}): Promise<{ record: DocumentRecord; payload: Buffer }> {
    const input = testRecordInput(ORG, { tenant: 't0', ...over });
    const payload = Buffer.from(`<doc id="${input.documentId}">näyte</doc>`);
    const res = await store.create(input, payload);
    if (!res.created) throw new Error('duplicate');
    return { record: res.record, payload };
  }

  async function waitFor(rec: DocumentRecord, ok: (r: DocumentRecord) => boolean = (r) => FINAL.has(r.status), ms = 10_000): Promise<DocumentRecord> {
    const end = Date.now() + ms;
    for (;;) {
      const r = (await store.get(rec.tenant, rec.documentId))!;
      if (ok(r)) return r;
      if (Date.now() > end) throw new Error(`${rec.documentId} stuck in ${r.status}`);
      await sleep(10);
    }
  }

  const lane = () => new Queue(`lane.ap.${ORG}`, { connection: redis, prefix });
  const intake = () => new Queue('intake.t0', { connection: redis, prefix });
  const jobState = async (rec: DocumentRecord) => {
    const [l, i] = [lane(), intake()];
    try {
      return { lane: await l.getJobState(jobIdOf(rec)), intake: await i.getJobState(jobIdOf(rec)) };
    } finally {
      await Promise.all([l.close(), i.close()]);
    }
  };
  const leases = () => redis.zrange(keys.leases('ap', ORG), '0', '-1');

  /** Intake lets a document straight in only on a lane depth counted within 250 ms: one the queued way first. */
  async function primed(p: Pipeline): Promise<void> {
    const warm = await accept();
    await p.enqueue(warm.record, warm.payload);
    await waitFor(warm.record);
    await sleep(5);
  }

  it('runs a document just accepted to archived without any BullMQ job, and leaves no lease behind', async () => {
    const p = await start();
    await primed(p);
    const { record, payload } = await accept();
    await p.enqueue(record, payload);
    const done = await waitFor(record);
    expect(done).to.include({ status: 'archived', attempts: 1, run: 0 });
    expect((await store.history(record.tenant, record.documentId)).map((h) => h.status)).to.deep.equal(['accepted', 'signed', 'sending', 'archived']);
    expect(await jobState(record)).to.deep.equal({ lane: 'unknown', intake: 'unknown' });
    await sleep(20);
    expect(await leases()).to.deep.equal([]);
    expect(await store.openCount()).to.equal(0);
  });

  it('holds a lease while the document runs, so a resubmission enqueue and the sweep leave it alone', async () => {
    const p = await start();
    await primed(p);
    let open!: () => void;
    sender.gate = new Promise((r) => (open = r));
    const { record, payload } = await accept();
    await p.enqueue(record, payload);
    for (let i = 0; i < 100 && sender.calls.at(-1) !== record.documentId; i++) await sleep(10);
    // Leases are written in batches a few milliseconds apart.
    for (let i = 0; i < 100 && (await leases()).length === 0; i++) await sleep(10);
    expect(await leases()).to.deep.equal([leaseMember(record)]);
    await p.enqueue(record); // a resubmission's enqueue, without the bytes
    expect(await p.sweep()).to.deep.equal({ checked: 1, requeued: 0 });
    expect(await jobState(record)).to.deep.equal({ lane: 'unknown', intake: 'unknown' });
    open();
    await waitFor(record);
    expect(sender.calls.filter((c) => c === record.documentId)).to.have.length(1);
  });

  it('hands a retry to the BullMQ lane under the same job id, which retries it to archived', async () => {
    const p = await start();
    await primed(p);
    const { record, payload } = await accept();
    sender.scripts.set(record.documentId, [{ action: 'retry', code: 'KANTA_TIMEOUT' }, { action: 'retry', code: 'KANTA_HTTP_5XX' }]);
    await p.enqueue(record, payload);
    const done = await waitFor(record);
    expect(done).to.include({ status: 'archived', attempts: 3 });
    const hist = await store.history(record.tenant, record.documentId);
    expect(hist.filter((h) => h.status === 'retry').map((h) => [h.code, h.attempt])).to.deep.equal([
      ['KANTA_TIMEOUT', 1],
      ['KANTA_HTTP_5XX', 2],
    ]);
    expect((await jobState(record)).lane).to.equal('completed');
    // Signed once: the lane job resent exactly the stored bytes.
    expect(hist.filter((h) => h.status === 'signed')).to.have.length(1);
  });

  it('parks a retry for good when the attempts run out across the direct run and the lane job', async () => {
    const p = await start({ retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 40 } });
    await primed(p);
    const { record, payload } = await accept();
    sender.scripts.set(record.documentId, [{ action: 'retry', code: 'KANTA_TIMEOUT' }, { action: 'retry', code: 'KANTA_TIMEOUT' }, { action: 'retry', code: 'KANTA_TIMEOUT' }]);
    await p.enqueue(record, payload);
    const done = await waitFor(record);
    expect(done).to.include({ status: 'parked', code: 'QUEUE_RETRY_BUDGET_EXHAUSTED', attempts: 2 });
    expect(sender.calls.filter((c) => c === record.documentId)).to.have.length(2);
  });

  it('hands a version whose parent is not finished to the lane, which sends it after the parent', async () => {
    const p = await start();
    await primed(p);
    const parent = await accept();
    const child = await accept({ dependsOn: [parent.record.documentId] });
    await p.enqueue(child.record, child.payload);
    await sleep(100);
    expect(sender.calls).to.not.include(child.record.documentId);
    expect((await jobState(child.record)).lane).to.be.oneOf(['delayed', 'waiting', 'active']);
    await p.enqueue(parent.record, parent.payload);
    await waitFor(child.record);
    expect(sender.calls.indexOf(parent.record.documentId)).to.be.lessThan(sender.calls.indexOf(child.record.documentId));
  });

  it('runs a lane directly up to laneHighWater; the documents after wait for admission and become lane jobs', async () => {
    const p = await start({ laneHighWater: 3 });
    await primed(p);
    let open!: () => void;
    sender.gate = new Promise((r) => (open = r));
    const docs = [];
    for (let i = 0; i < 5; i++) docs.push(await accept());
    for (const d of docs) await p.enqueue(d.record, d.payload);
    for (let i = 0; i < 100 && (await leases()).length < 3; i++) await sleep(10);
    await sleep(50);
    expect(await leases()).to.have.length(3);
    open();
    for (const d of docs) expect((await waitFor(d.record)).status).to.equal('archived');
    const states = await Promise.all(docs.map((d) => jobState(d.record)));
    expect(states.filter((s) => s.lane === 'unknown')).to.have.length(3);
    expect(states.filter((s) => s.lane === 'completed')).to.have.length(2);
  });

  it('runs a document its intake worker admits in the direct lane too: an intake job, no lane job', async () => {
    const p = await start();
    // No lane depth counted yet: the first document takes the queued way.
    const { record, payload } = await accept();
    await p.enqueue(record, payload);
    expect((await waitFor(record)).status).to.equal('archived');
    // The intake job is removed when it completes; its event stream tells that it ran.
    const intakeEvents = await redis.xrange(`${prefix}:intake.t0:events`, '-', '+');
    const completed = intakeEvents.filter(([, f]) => f[1] === 'completed' && f[f.indexOf('jobId') + 1] === jobIdOf(record));
    expect(completed).to.have.length(1);
    expect(await jobState(record)).to.deep.equal({ lane: 'unknown', intake: 'unknown' });
    expect(sender.calls.filter((c) => c === record.documentId)).to.have.length(1);
  });

  it('leaves an admitted document whose lane job already exists to that job, and sends it once', async () => {
    const p = await start();
    const { record } = await accept();
    const data = { tenant: record.tenant, documentId: record.documentId, run: record.run, accessPoint: 'ap', controller: ORG };
    const [l, i] = [lane(), intake()];
    try {
      // A lane job waiting out a backoff, and an intake job of the same run (run again after a stall).
      await l.add('send', data, { jobId: jobIdOf(data), delay: 300 });
      await i.add('admit', data, { jobId: jobIdOf(data) });
    } finally {
      await Promise.all([l.close(), i.close()]);
    }
    for (let k = 0; k < 100 && (await jobState(record)).intake !== 'completed'; k++) await sleep(10);
    expect(sender.calls).to.not.include(record.documentId);
    expect((await waitFor(record)).status).to.equal('archived');
    expect((await jobState(record)).lane).to.equal('completed');
    expect(sender.calls.filter((c) => c === record.documentId)).to.have.length(1);
    void p;
  });

  it('reclaims a document whose lease ran out (its process died) into the BullMQ lane', async () => {
    const p = await start();
    const { record } = await accept();
    await redis.zadd(keys.leases('ap', ORG), Date.now() - 1, leaseMember(record));
    expect(await p.reclaimExpiredLeases()).to.equal(1);
    expect((await waitFor(record)).status).to.equal('archived');
    expect(await leases()).to.deep.equal([]);
    expect((await jobState(record)).lane).to.equal('completed');
  });

  it('leaves the lease of a run cut off by shutdown, for another process to reclaim', async () => {
    const p = await start();
    await primed(p);
    sender.gate = new Promise(() => {});
    const { record, payload } = await accept();
    await p.enqueue(record, payload);
    for (let i = 0; i < 100 && sender.calls.at(-1) !== record.documentId; i++) await sleep(10);
    await p.close(50);
    pipeline = undefined;
    const score = await redis.zscore(keys.leases('ap', ORG), leaseMember(record));
    expect(Number(score)).to.be.greaterThan(Date.now());
    expect((await store.get(record.tenant, record.documentId))!.status).to.equal('sending');
  });
});
