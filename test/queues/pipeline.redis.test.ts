// The queue pipeline on a real redis-server with a stub signer and a scripted sender (the queue
// layer's ports): state machine, retries, parking, controller parking, ordering, the circuit,
// pause/resume, the crash sweep and operator reruns.
import { queueTestConfig } from '../helpers/queue-config.ts';
import { testReceipt, testRecordInput } from '../helpers/record-fixtures.ts';
import { expect } from 'chai';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { validateConfig } from '../../config/load.ts';
import type { ConfigInput, QueuesConfig } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { CircuitState } from '../../queues/circuit-breaker.ts';
import { DocumentStore, type DocumentRecord, type DocumentStatus } from '../../queues/document-store.ts';
import { Pipeline, type PipelineOptions } from '../../queues/pipeline.ts';
import type { DocumentSender, DocumentSigner, SendAction, SendResult } from '../../queues/ports.ts';
import { jobIdOf, laneJobOptions, laneQueueName } from '../../queues/topology.ts';
import { buildRoutingIndex } from '../../gateway/routing/index-build.ts';
import { useRedis } from '../helpers/redis.ts';

const ORG = ['1.2.246.10.60000000.10.0', '1.2.246.10.60000001.10.0'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set<DocumentStatus>(['archived', 'parked', 'rejected']);

function rawConfig(queues: ConfigInput['queues'] = {}): ConfigInput {
  return queueTestConfig(ORG, {
    retry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 60, retryBudgetHours: 1 },
    batch: { size: 4, waitMs: 5 },
    laneConcurrency: 4,
    laneHighWater: 16,
    dependencyPollMs: 20,
    circuitBreaker: { failureThreshold: 3, openMs: 400 },
    ...queues,
  });
}

type Step = { action: SendAction; code?: string; transportFailure?: boolean; retryAfterSeconds?: number };

/** Answers per document from a script (default: archived); records every call. */
class ScriptedSender implements DocumentSender {
  readonly calls: Array<{ documentId: string; at: number }> = [];
  readonly scripts = new Map<string, Step[]>();
  readonly gates = new Map<string, Promise<void>>();
  /** Applies to any document, before its own script, while steps remain. */
  global: Step[] = [];

  async send(_ap: string, doc: { signedCda: Buffer }): Promise<SendResult> {
    const documentId = /id="([^"]+)"/.exec(doc.signedCda.toString('utf8'))![1]!;
    if (!doc.signedCda.toString('utf8').endsWith('<!--signed-->')) throw new Error('sent unsigned bytes');
    this.calls.push({ documentId, at: Date.now() });
    await this.gates.get(documentId);
    const step = this.global.shift() ?? this.scripts.get(documentId)?.shift() ?? { action: 'archived' };
    return { messageId: randomUUID(), transportFailure: false, durationMs: 1, ...step };
  }

  callsFor(documentId: string): number {
    return this.calls.filter((c) => c.documentId === documentId).length;
  }
}

const signer: DocumentSigner = { sign: async (_id, xml) => ({ signedXml: `${xml}<!--signed-->`, receipt: testReceipt() }) };

describe('queues/pipeline (real Redis, stub signer and sender)', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let prefix: string;
  let store: DocumentStore;
  let sender: ScriptedSender;
  let pipeline: Pipeline | undefined;
  let circuitChanges: CircuitState[];
  /** Sender calls made when the circuit first opened (read in the listener: a loaded machine may poll past the open period). */
  let callsAtOpen: number | undefined;
  /** When the circuit first opened. */
  let openedAt: number | undefined;
  let budgetExhausted: string[];
  let queuesConfig: QueuesConfig;

  before(() => {
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = `p${randomUUID().slice(0, 8)}`;
    store = new DocumentStore(redis, prefix);
    sender = new ScriptedSender();
    circuitChanges = [];
    callsAtOpen = undefined;
    openedAt = undefined;
    budgetExhausted = [];
  });
  afterEach(async () => {
    await pipeline?.close(2_000);
    pipeline = undefined;
  });

  async function start(opts: { queues?: ConfigInput['queues']; now?: () => Date; runWorkers?: boolean } = {}): Promise<Pipeline> {
    const raw = rawConfig(opts.queues);
    const loaded = validateConfig({ ...raw, redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
    queuesConfig = loaded.config.queues;
    const p: PipelineOptions = {
      workerConnection: redis,
      producerConnection: redis,
      redis,
      prefix,
      store,
      signer,
      sender,
      config: () => loaded.config,
      lanes: () => buildRoutingIndex(loaded.config, 'test').lanes,
      events: {
        onCircuit: (_ap, s) => {
          circuitChanges.push(s);
          if (s === 'open') {
            callsAtOpen ??= sender.calls.length;
            openedAt ??= Date.now();
          }
        },
        onRetryBudgetExhausted: (r) => budgetExhausted.push(r.documentId),
      },
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.runWorkers === false ? { runWorkers: false } : {}),
    };
    return Pipeline.start(p);
  }

  async function create(tenant = 0, over: Partial<DocumentRecord> = {}, acceptedAt?: Date): Promise<DocumentRecord> {
    const input = testRecordInput(ORG[tenant]!, { tenant: `t${tenant}`, ...over });
    const res = await store.create(input, Buffer.from(`<doc id="${input.documentId}">näyte</doc>`), acceptedAt);
    if (!res.created) throw new Error('duplicate');
    return res.record;
  }

  async function submit(tenant = 0, over: Partial<DocumentRecord> = {}): Promise<DocumentRecord> {
    const rec = await create(tenant, over);
    await pipeline!.enqueue(rec);
    return rec;
  }

  async function waitFor(rec: Pick<DocumentRecord, 'tenant' | 'documentId'>, ok: (r: DocumentRecord) => boolean = (r) => FINAL.has(r.status), ms = 10_000): Promise<DocumentRecord> {
    const end = Date.now() + ms;
    for (;;) {
      const r = (await store.get(rec.tenant, rec.documentId))!;
      if (ok(r)) return r;
      if (Date.now() > end) throw new Error(`${rec.documentId} stuck in ${r.status} (attempts ${r.attempts})`);
      await sleep(20);
    }
  }

  const statuses = async (rec: DocumentRecord) => (await store.history(rec.tenant, rec.documentId)).map((h) => h.status);
  const laneQueue = (tenant: number) => new Queue(`lane.ap.${ORG[tenant]}`, { connection: redis, prefix });

  /**
   * Puts a document on its BullMQ lane as an admission does when the direct lane is full: for the tests
   * of what BullMQ carries (attempts, backoff, failed jobs). enqueue may run it in the direct lane
   * instead (test/queues/direct-lane.redis.test.ts), which leaves no job to look at.
   */
  async function onBullmqLane(rec: DocumentRecord): Promise<void> {
    const data = { tenant: rec.tenant, documentId: rec.documentId, run: rec.run, accessPoint: rec.accessPoint, controller: rec.controller };
    const q = new Queue(laneQueueName(data), { connection: redis, prefix });
    try {
      await q.add('send', data, { ...laneJobOptions(queuesConfig), jobId: jobIdOf(data) });
    } finally {
      await q.close();
    }
  }

  it('takes a document accepted → signed → sending → archived, signing once and sending the signed bytes', async () => {
    pipeline = await start();
    const rec = await submit();
    const done = await waitFor(rec);
    expect(done).to.include({ status: 'archived', attempts: 1, run: 0 });
    expect(done.lastMessageId).to.be.a('string');
    expect(await statuses(rec)).to.deep.equal(['accepted', 'signed', 'sending', 'archived']);
    expect((await store.signed(rec.tenant, rec.documentId))!.toString()).to.match(/<!--signed-->$/);
    expect(await store.payload(rec.tenant, rec.documentId)).to.equal(undefined);
    expect(await store.openCount()).to.equal(0);
  });

  it('treats a duplicate enqueue of the same run as a no-op', async () => {
    pipeline = await start();
    const rec = await create();
    await Promise.all([pipeline.enqueue(rec), pipeline.enqueue(rec), pipeline.enqueue(rec)]);
    expect((await waitFor(rec)).status).to.equal('archived');
    await sleep(200);
    expect(sender.callsFor(rec.documentId)).to.equal(1);
    expect((await statuses(rec)).filter((s) => s === 'sending')).to.have.length(1);
  });

  it('retries a transient answer with backoff, counting attempts, then archives', async () => {
    pipeline = await start();
    const rec = await create();
    sender.scripts.set(rec.documentId, [{ action: 'retry', code: 'KANTA_TIMEOUT' }, { action: 'retry', code: 'KANTA_HTTP_5XX' }]);
    await onBullmqLane(rec);
    const done = await waitFor(rec);
    expect(done).to.include({ status: 'archived', attempts: 3 });
    expect(sender.callsFor(rec.documentId)).to.equal(3);
    const hist = await store.history(rec.tenant, rec.documentId);
    expect(hist.filter((h) => h.status === 'retry').map((h) => [h.code, h.attempt])).to.deep.equal([
      ['KANTA_TIMEOUT', 1],
      ['KANTA_HTTP_5XX', 2],
    ]);
    // Signed once: one 'signed' event although it was sent three times.
    expect(hist.filter((h) => h.status === 'signed')).to.have.length(1);
    // One BullMQ job carried all three runs (BullMQ counts the successful run too).
    const job = await laneQueue(0).getJob(jobIdOf(rec));
    expect(job!.attemptsMade).to.equal(3);
  });

  const stops: Array<{ step: Step; status: DocumentStatus; code: string }> = [
    { step: { action: 'park', code: 'KANTA_HTTP_4XX' }, status: 'parked', code: 'KANTA_HTTP_4XX' },
    { step: { action: 'reject', code: 'KANTA_REJECTED' }, status: 'rejected', code: 'KANTA_REJECTED' },
    { step: { action: 'park' }, status: 'parked', code: 'KANTA_APPLICATION_ERROR' },
  ];
  for (const c of stops) {
    it(`'${c.step.action}'${c.step.code ? ` ${c.step.code}` : ' without a code'} stops at once: ${c.status} ${c.code}, no further attempt`, async () => {
      pipeline = await start();
      const rec = await create();
      sender.scripts.set(rec.documentId, [c.step]);
      await onBullmqLane(rec);
      const done = await waitFor(rec);
      expect(done).to.include({ status: c.status, code: c.code, attempts: 1 });
      await sleep(300);
      expect(sender.callsFor(rec.documentId)).to.equal(1);
      expect(await laneQueue(0).getJobState(jobIdOf(rec))).to.equal('failed');
      expect(await store.openCount()).to.equal(0);
    });
  }

  it("'park-controller' parks the lane; the documents go through after resumeController", async () => {
    pipeline = await start();
    const first = await create(0);
    sender.scripts.set(first.documentId, [{ action: 'park-controller', code: 'KANTA_CONTROLLER_BLOCKED' }]);
    await pipeline.enqueue(first);
    await waitFor(first, (r) => (r.ack as { action?: string } | undefined)?.action === 'park-controller');
    await sleep(50);
    const control = await pipeline.controlState();
    expect(control.pausedControllers).to.include(ORG[0]);
    expect(control.parkedLanes[`ap|${ORG[0]}`]).to.include({ code: 'KANTA_CONTROLLER_BLOCKED' });
    expect(await laneQueue(0).isPaused()).to.equal(true);
    expect((await store.get('t0', first.documentId))!.status).to.equal('signed');
    expect((await statuses(first)).at(-1)).to.equal('waiting');
    // Parked lane: a later document for the controller waits; another controller's flows.
    const second = await submit(0);
    const other = await submit(1);
    expect((await waitFor(other)).status).to.equal('archived');
    await sleep(300);
    expect(sender.callsFor(second.documentId)).to.equal(0);
    expect(sender.callsFor(first.documentId)).to.equal(1);

    await pipeline.resumeController(ORG[0]);
    expect((await waitFor(first)).status).to.equal('archived');
    expect((await waitFor(second)).status).to.equal('archived');
    expect(sender.callsFor(first.documentId)).to.equal(2);
    expect(await pipeline.controlState()).to.deep.include({ pausedControllers: [], parkedLanes: {} });
  });

  it('parks with QUEUE_RETRY_BUDGET_EXHAUSTED once the document is older than retryBudgetHours', async () => {
    pipeline = await start({ now: () => new Date(Date.now() + 2 * 3_600_000) }); // budget is 1 h
    const rec = await create();
    sender.scripts.set(rec.documentId, [{ action: 'retry', code: 'KANTA_TIMEOUT' }]);
    await pipeline.enqueue(rec);
    const done = await waitFor(rec);
    expect(done).to.include({ status: 'parked', code: 'QUEUE_RETRY_BUDGET_EXHAUSTED', attempts: 1 });
    expect(done.text).to.match(/KANTA_TIMEOUT/);
    expect(budgetExhausted).to.deep.equal([rec.documentId]);
    await sleep(200);
    expect(sender.callsFor(rec.documentId)).to.equal(1);
  });

  it('parks with QUEUE_RETRY_BUDGET_EXHAUSTED after the last of retry.attempts', async () => {
    pipeline = await start({ queues: { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } } });
    const rec = await create();
    sender.scripts.set(rec.documentId, Array.from({ length: 10 }, () => ({ action: 'retry' as const, code: 'KANTA_ACK_TRANSIENT' })));
    await pipeline.enqueue(rec);
    const done = await waitFor(rec);
    expect(done).to.include({ status: 'parked', code: 'QUEUE_RETRY_BUDGET_EXHAUSTED', attempts: 3 });
    expect(sender.callsFor(rec.documentId)).to.equal(3);
    expect((await statuses(rec)).filter((s) => s === 'retry')).to.have.length(2);
  });

  it('holds a document with dependsOn until its parent is archived, spending no attempt', async () => {
    pipeline = await start();
    const parent = await create(0);
    const child = await create(0, { dependsOn: [parent.documentId] });
    let release!: () => void;
    sender.gates.set(parent.documentId, new Promise<void>((r) => (release = r)));
    await pipeline.enqueue(child); // the child is even enqueued first
    await pipeline.enqueue(parent);
    await waitFor(parent, (r) => r.status === 'sending');
    await sleep(300);
    expect(sender.callsFor(child.documentId)).to.equal(0);
    expect(await store.get('t0', child.documentId)).to.include({ status: 'accepted', attempts: 0 });
    const releasedAt = Date.now();
    release();
    expect((await waitFor(child)).status).to.equal('archived');
    expect((await store.get('t0', parent.documentId))!.status).to.equal('archived');
    const childCall = sender.calls.find((c) => c.documentId === child.documentId)!;
    expect(childCall.at).to.be.at.least(releasedAt);
    expect((await store.get('t0', child.documentId))!.attempts).to.equal(1);
  });

  it('opens the circuit after repeated transport failures; later documents wait without spending attempts', async () => {
    // A long open period keeps the "nothing sent while open" window safe on a loaded machine.
    pipeline = await start({ queues: { circuitBreaker: { failureThreshold: 3, openMs: 2_000 } } });
    sender.global = Array.from({ length: 3 }, () => ({ action: 'retry' as const, code: 'KANTA_CONNECTION', transportFailure: true }));
    const early = await Promise.all([submit(0), submit(1), submit(0)]);
    const deadline = Date.now() + 5_000;
    while (callsAtOpen === undefined && Date.now() < deadline) await sleep(10);
    expect(callsAtOpen, 'the circuit opened on the third transport failure').to.equal(3);
    const late = await submit(1);
    await sleep(200); // well inside openMs
    // Judged by the calls' times, not by a count after the sleep: on a loaded machine the sleep may
    // outlast the open period, and the half-open probe after it is a legitimate send.
    expect(sender.calls.filter((c) => c.at > openedAt! && c.at < openedAt! + 1_900).length, 'nothing sent while open').to.equal(0);
    const waiting = (await store.get('t1', late.documentId))!;
    expect(waiting.attempts).to.equal(0);
    expect(waiting.status).to.equal('signed'); // signature kept although the send waits
    for (const r of [...early, late]) expect((await waitFor(r)).status).to.equal('archived');
    expect((await store.get('t1', late.documentId))!.attempts).to.equal(1);
    for (const r of early) expect((await store.get(r.tenant, r.documentId))!.attempts).to.equal(2);
    expect(sender.calls.length).to.equal(7);
    expect(circuitChanges).to.deep.equal(['open', 'half-open', 'closed']);
  });

  it('pauses and resumes a tenant', async () => {
    pipeline = await start();
    await pipeline.pauseTenant('t0');
    const held = await submit(0);
    const free = await submit(1);
    expect((await waitFor(free)).status).to.equal('archived');
    await sleep(200);
    expect((await store.get('t0', held.documentId))!.status).to.equal('accepted');
    expect((await pipeline.controlState()).pausedTenants).to.deep.equal(['t0']);
    await pipeline.resumeTenant('t0');
    expect((await waitFor(held)).status).to.equal('archived');
    expect((await pipeline.controlState()).pausedTenants).to.deep.equal([]);
  });

  it('pauses and resumes a controller; other controllers keep flowing', async () => {
    pipeline = await start();
    await pipeline.pauseController(ORG[0], 'op-1');
    expect((await pipeline.controlState()).pausedControllers).to.deep.equal([ORG[0]]);
    const held = await submit(0);
    const free = await submit(1);
    expect((await waitFor(free)).status).to.equal('archived');
    await sleep(300);
    expect(sender.callsFor(held.documentId)).to.equal(0);
    expect((await store.get('t0', held.documentId))!.status).to.equal('accepted');
    await pipeline.resumeController(ORG[0]);
    expect((await waitFor(held)).status).to.equal('archived');
  });

  it('sweep() re-enqueues open documents whose jobs are gone and leaves live ones alone', async () => {
    const producer = await start({ runWorkers: false });
    const live = await create(0);
    await producer.enqueue(live);
    const lost = await create(0);
    await producer.enqueue(lost);
    const neverEnqueued = await create(1);
    // Crash simulation: the lost document's job hash and list entries disappear.
    const intake = new Queue('intake.t0', { connection: redis, prefix });
    await intake.remove(jobIdOf(lost));
    expect(await intake.getJobState(jobIdOf(lost))).to.equal('unknown');
    const liveJob = await intake.getJob(jobIdOf(live));

    expect(await producer.sweep()).to.deep.equal({ checked: 3, requeued: 2 });
    expect(await intake.getJobState(jobIdOf(lost))).to.equal('waiting');
    expect((await intake.getJob(jobIdOf(live)))!.timestamp).to.equal(liveJob!.timestamp);
    expect(await new Queue('intake.t1', { connection: redis, prefix }).getJobState(jobIdOf(neverEnqueued))).to.equal('waiting');
    // A second sweep finds every job live.
    expect(await producer.sweep()).to.deep.equal({ checked: 3, requeued: 0 });
    await producer.close(1_000);

    pipeline = await start();
    for (const r of [live, lost, neverEnqueued]) expect((await waitFor(r)).status).to.equal('archived');
    expect(sender.calls.length).to.equal(3);
  });

  it('sweep() also requeues a document whose finished jobs outlived its state (stale ids removed first)', async () => {
    pipeline = await start();
    const rec = await create(0);
    await onBullmqLane(rec);
    await waitFor(rec);
    // A crash between Kanta's ack and the state write: the jobs completed, the record says "sending".
    // Written below the lifecycle on purpose: no transition leads from archived back to sending.
    await redis.hset(`${prefix}:doc:t0:${rec.documentId}`, 'status', 'sending');
    await redis.rpush(`${prefix}:hist:t0:${rec.documentId}`, JSON.stringify({ at: new Date().toISOString(), status: 'sending', attempt: 2 }));
    await redis.sadd(`${prefix}:open`, `t0\n${rec.documentId}`);
    expect(await laneQueue(0).getJobState(jobIdOf(rec))).to.equal('completed');
    expect((await pipeline.sweep()).requeued).to.equal(1);
    expect((await waitFor(rec)).status).to.equal('archived');
    expect(sender.callsFor(rec.documentId)).to.equal(2);
  });

  describe('rerun()', () => {
    /** Sent once and parked with `code` (a permanent send error), through the lifecycle transitions. */
    async function parkAgain(ref: Pick<DocumentRecord, 'tenant' | 'documentId'>, code: string): Promise<void> {
      const r = { tenant: ref.tenant, documentId: ref.documentId };
      await store.apply({ kind: 'send', ref: r, attempt: 1 });
      await store.apply({ kind: 'park-send-failed', ref: r, code, text: 'test' });
    }

    async function parked(tenant: number, code: string, acceptedAt: Date): Promise<DocumentRecord> {
      const rec = await create(tenant, {}, acceptedAt);
      await parkAgain(rec, code);
      return rec;
    }

    it('selects parked documents by code, tenant, controller and time range', async () => {
      pipeline = await start({ runWorkers: false });
      const d = (iso: string) => new Date(iso);
      const a = await parked(0, 'KANTA_HTTP_4XX', d('2026-03-01T10:00:00Z'));
      const b = await parked(0, 'KANTA_REJECTED', d('2026-03-02T10:00:00Z'));
      const c = await parked(1, 'KANTA_HTTP_4XX', d('2026-03-03T10:00:00Z'));
      const notParked = await create(1, {}, d('2026-03-02T12:00:00Z'));
      const cases: Array<[string, Parameters<Pipeline['rerun']>[0], DocumentRecord[]]> = [
        ['by code', { code: 'KANTA_HTTP_4XX' }, [a, c]],
        ['by tenant', { tenant: 't0' }, [a, b]],
        ['by controller', { controller: ORG[1] }, [c]],
        ['by time range', { from: '2026-03-01T12:00:00Z', to: '2026-03-03T00:00:00Z' }, [b]],
        // Bounds with an offset (the ops API accepts them): 11:00+02:00 is 09:00Z, before b at 10:00Z.
        ['by time range with offsets', { from: '2026-03-02T11:00:00+02:00', to: '2026-03-02T13:30:00+02:00' }, [b]],
        ['by a bound inside the same second', { from: '2026-03-02T10:00:00.001Z' }, [c]],
        ['by code and tenant', { code: 'KANTA_HTTP_4XX', tenant: 't1' }, [c]],
        ['with a limit', { limit: 1, code: 'KANTA_REJECTED' }, [b]],
        ['nothing matches', { code: 'NO_SUCH' }, []],
      ];
      const runs = new Map<string, number>();
      for (const [name, filter, expected] of cases) {
        const r = await pipeline.rerun(filter, 'op-1');
        expect(r.rerun.map((x) => x.documentId).sort(), name).to.deep.equal(expected.map((x) => x.documentId).sort());
        for (const x of r.rerun) {
          runs.set(x.documentId, (runs.get(x.documentId) ?? 0) + 1);
          expect(x.run, name).to.equal(runs.get(x.documentId));
          // Put it back so the next case selects from the same set.
          await parkAgain(x, x.previousCode!);
        }
      }
      expect(runs.has(notParked.documentId)).to.equal(false);
      let caught: unknown;
      try {
        await pipeline.rerun({ from: 'yesterday' }, 'op-1');
      } catch (err) {
        caught = err;
      }
      expect((caught as GatewayError).code).to.equal('REQUEST_INVALID');
    });

    it('reruns a parked document as run+1 with a new job id, keeping one history with a rerun event', async () => {
      pipeline = await start();
      const rec = await create(0);
      sender.scripts.set(rec.documentId, [{ action: 'park', code: 'KANTA_HTTP_4XX' }]);
      await onBullmqLane(rec);
      await waitFor(rec);
      const res = await pipeline.rerun({ code: 'KANTA_HTTP_4XX' }, 'ops-7');
      expect(res.rerun).to.deep.equal([{ tenant: 't0', documentId: rec.documentId, run: 1, previousCode: 'KANTA_HTTP_4XX' }]);
      const done = await waitFor(rec, (r) => r.status === 'archived');
      expect(done).to.include({ run: 1, attempts: 2 });
      const hist = await store.history('t0', rec.documentId);
      expect(hist.map((h) => h.status)).to.deep.equal(['accepted', 'signed', 'sending', 'parked', 'rerun', 'sending', 'archived']);
      expect(hist.find((h) => h.status === 'rerun')).to.include({ by: 'ops-7', run: 1, code: 'KANTA_HTTP_4XX' });
      // Different job ids per run: BullMQ would silently ignore a second add with the run-0 id, whose
      // failed job is still there (run 1 may have run in the direct lane, without a job).
      expect(jobIdOf({ ...rec, run: 1 })).to.not.equal(jobIdOf({ ...rec, run: 0 }));
      expect(await laneQueue(0).getJobState(jobIdOf({ ...rec, run: 0 }))).to.equal('failed');
      // Signed once: the rerun resends the stored signed bytes.
      expect(hist.filter((h) => h.status === 'signed')).to.have.length(1);
      expect((await pipeline.rerun({ code: 'KANTA_HTTP_4XX' }, 'ops-7')).rerun).to.deep.equal([]);
    });
  });

  it('parks a document whose signing fails for good, with the signer code', async () => {
    const failing: DocumentSigner = {
      sign: async () => {
        throw new GatewayError('SIGN_SELF_CHECK_FAILED', 'self check failed');
      },
    };
    const loaded = validateConfig({ ...rawConfig(), redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
    pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix, store, signer: failing, sender, config: () => loaded.config, lanes: () => buildRoutingIndex(loaded.config, 'test').lanes });
    const rec = await submit(0);
    expect(await waitFor(rec)).to.include({ status: 'parked', code: 'SIGN_SELF_CHECK_FAILED' });
    expect(sender.calls).to.deep.equal([]);
  });

  it('parks at once, with its code, a document whose message cannot be built (permanent coded error from the sender)', async () => {
    let calls = 0;
    const broken: DocumentSender = {
      send: async () => {
        calls += 1;
        throw new GatewayError('INTAKE_MISSING_FIELD', 'A version needs relatedDocument typeCode="RPLC"');
      },
    };
    const loaded = validateConfig({ ...rawConfig(), redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
    pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix, store, signer, sender: broken, config: () => loaded.config, lanes: () => buildRoutingIndex(loaded.config, 'test').lanes });
    const rec = await submit(0);
    expect(await waitFor(rec)).to.include({ status: 'parked', code: 'INTAKE_MISSING_FIELD' });
    expect(calls).to.equal(1);
  });

  it('parks a version whose parent the archive does not know and the gateway never saw, once unknownParentWaitSeconds has passed', async () => {
    let calls = 0;
    const unknownParent: DocumentSender = {
      send: async () => {
        calls += 1;
        return { action: 'retry', code: 'VERSION_UNKNOWN_SET', messageId: randomUUID(), transportFailure: false, durationMs: 1 };
      },
    };
    const loaded = validateConfig({ ...rawConfig({ unknownParentWaitSeconds: 0, retry: { baseDelayMs: 10, maxDelayMs: 20 } }), redis: { url: server.url, keyPrefix: prefix } } as Record<string, unknown>, 'test', '/');
    pipeline = await Pipeline.start({ workerConnection: redis, producerConnection: redis, redis, prefix, store, signer, sender: unknownParent, config: () => loaded.config, lanes: () => buildRoutingIndex(loaded.config, 'test').lanes });
    const parentId = `${ORG[0]}.95.never.submitted`;
    const header = { documentId: 'x', setId: parentId, versionNumber: 2, custodian: ORG[0]!, documentGroup: '5', client: { root: '1.2.246.21' }, effectiveTime: '20260101', documentDate: '2026-01-01', signatures: [], parent: { id: parentId, setId: parentId, versionNumber: 1 } };
    const rec = await submit(0, { operation: 'version', versionNumber: 2, header: header as never });
    expect(await waitFor(rec)).to.include({ status: 'parked', code: 'QUEUE_PARENT_UNKNOWN' });
    expect(calls).to.equal(1);
  });

  it('finds a stored document that never got its job (lost enqueue) with the periodic sweep, without a restart', async () => {
    pipeline = await start({ queues: { sweepIntervalMs: 1_000 } });
    const orphan = await create(0, {}, new Date(Date.now() - 5_000)); // stored, never enqueued
    expect(await waitFor(orphan, undefined, 8_000)).to.include({ status: 'archived' });
    // Touched "just now" as far as any sweep within the next minute can tell: left to its intake.
    const fresh = await create(1, {}, new Date(Date.now() + 60_000));
    await sleep(2_500);
    expect((await store.get(fresh.tenant, fresh.documentId))!.status).to.equal('accepted');
  });
});
