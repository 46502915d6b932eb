// One backfill run: every document of the source that the state journal holds no answer for is posted
// to the gateway's intake (POST /v1/documents, as the tenant the token belongs to) at most `rate` per
// second with `concurrency` requests in flight. An answer is final — 202 accepted, 200 accepted before,
// 4xx refused with its code — and goes into the journal; a retryable failure (no connection, 408, 429,
// 5xx) is retried with backoff and, after `retries`, left unanswered for the next run. A stop signal
// lets the requests in flight finish, writes the journal and the report, and ends the run.
import { errorCodeOf } from '../../domain/errors.ts';
import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import { windowFor } from '../../queues/shared-rate-limiter.ts';
import { submitBody, type SubmitAnswer } from '../client/gateway-client.ts';
import { BackfillJournal } from './backfill-journal.ts';
import { startProgress } from './backfill-progress.ts';
import { buildReport, writeReport, type BackfillReport } from './backfill-report.ts';
import type { BackfillItem, BackfillSource } from './backfill-source.ts';
import { newTally } from './backfill-tally.ts';

export interface BackfillOptions {
  source: BackfillSource;
  tenant: string;
  url: string;
  token: string;
  /** Documents per second at most. */
  rate: number;
  concurrency: number;
  stateFile: string;
  reportFile: string;
  /** Attempts after the first for a retryable failure. */
  retries: number;
  /** Send documents the journal records as refused again (e.g. after a right was fixed). */
  retryRefused: boolean;
  progress: { stream: NodeJS.WriteStream; intervalMs: number };
  /** Resolves when the run should stop (SIGINT/SIGTERM); the run then ends cleanly. */
  stopSignal: Promise<string>;
  /** Backoff before retry n (1-based); tests shorten it. */
  backoffMs?: (attempt: number) => number;
}

export interface BackfillOutcome {
  report: BackfillReport;
  exitCode: number;
}

const defaultBackoff = (attempt: number) => Math.min(30_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

type Answer =
  | { kind: 'accepted'; status: number; documentId?: string }
  | { kind: 'refused'; status: number; code: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'fatal'; reason: string };

function classify(r: SubmitAnswer): Answer {
  const error = r.body.error as { code?: string } | undefined;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${r.status}`;
  if (r.status === 200 || r.status === 202) return { kind: 'accepted', status: r.status, ...(typeof r.body.documentId === 'string' ? { documentId: r.body.documentId } : {}) };
  // A wrong token would refuse every document alike: stop instead of journalling them all as refused.
  if (r.status === 401) return { kind: 'fatal', reason: `the gateway refuses the token (${code})` };
  if (r.status === 408 || r.status === 429 || r.status >= 500) return { kind: 'retry', reason: `${code} (HTTP ${r.status})` };
  return { kind: 'refused', status: r.status, code };
}

export async function runBackfill(o: BackfillOptions): Promise<BackfillOutcome> {
  const startedAt = new Date();
  const journal = await BackfillJournal.open(o.stateFile, o.source.location, o.tenant);
  // One pass over names or lines first, for done/total and the ETA (seconds for a million files).
  o.progress.stream.write(`backfill: counting the documents in ${o.source.location}\n`);
  const tally = newTally(await o.source.count());
  const unanswered: Array<{ file: string; reason: string }> = [];
  // The same windows as the gateway's own send rate (queues/shared-rate-limiter.ts), kept in this process:
  // one backfill run is one client, and waiting callers are served in arrival order.
  const { points, durationSeconds } = windowFor(o.rate);
  const pace = new RateLimiterQueue(new RateLimiterMemory({ points, duration: durationSeconds }), { maxQueueSize: Number.MAX_SAFE_INTEGER });
  const backoff = o.backoffMs ?? defaultBackoff;
  const abort = new AbortController();
  let stoppedBecause: string | undefined;
  const stop = (why: string) => {
    stoppedBecause ??= why;
  };
  void o.stopSignal.then((sig) => stop(`signal ${sig}`));
  const stopped = new Promise<void>((resolve) => void o.stopSignal.then(() => resolve()));
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    void stopped.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
  const progress = startProgress(tally, o.progress);

  const refuse = (item: BackfillItem, status: number, code: string) => {
    journal.record({ k: item.key, o: 'refused', st: status, code, n: item.name });
    tally.refusedByCode.set(code, (tally.refusedByCode.get(code) ?? 0) + 1);
  };

  const sendOne = async (item: BackfillItem): Promise<void> => {
    let doc;
    try {
      doc = await item.load();
    } catch (err) {
      refuse(item, 0, errorCodeOf(err) ?? 'BACKFILL_INPUT_INVALID');
      return;
    }
    let reason = '';
    let tried = false;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      if (attempt > 0) await sleep(backoff(attempt));
      if (stoppedBecause) break;
      await pace.removeTokens(1);
      if (stoppedBecause) break;
      tried = true;
      let answer: Answer;
      try {
        answer = classify(await submitBody(o.url, o.token, doc.body, { contentType: doc.contentType, ...(doc.operation ? { operation: doc.operation } : {}), signal: abort.signal }));
      } catch (err) {
        // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout …) is its cause.
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        answer = { kind: 'retry', reason: cause?.code ?? cause?.message ?? (err as Error).message.split('\n')[0]! };
      }
      if (answer.kind === 'accepted') {
        journal.record({ k: item.key, o: 'accepted', st: answer.status, ...(answer.documentId ? { id: answer.documentId } : {}) });
        if (answer.status === 202) tally.accepted += 1;
        else tally.resubmitted += 1;
        return;
      }
      if (answer.kind === 'refused') {
        refuse(item, answer.status, answer.code);
        return;
      }
      if (answer.kind === 'fatal') {
        stop(answer.reason);
        reason = answer.reason;
        break;
      }
      reason = answer.reason;
    }
    // Stopped before it was sent: not reached, like the rest of the source.
    if (!tried) return;
    // No final answer: not journalled, so the next run sends it again.
    tally.unanswered += 1;
    unanswered.push({ file: item.name, reason: reason || `stopped (${stoppedBecause})` });
  };

  const items = o.source.items();
  const worker = async () => {
    while (!stoppedBecause) {
      const next = await items.next();
      if (next.done) return;
      const item = next.value;
      const earlier = journal.answerFor(item.key);
      if (earlier === 'accepted' || (earlier === 'refused' && !o.retryRefused)) {
        tally.skipped += 1;
      } else {
        await sendOne(item);
      }
      progress.update();
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    abort.abort();
    await items.return(undefined);
    progress.stop();
    journal.close();
  }
  const report = buildReport({ source: o.source.location, tenant: o.tenant, gateway: o.url, journal, tally, startedAt, unanswered, ...(stoppedBecause ? { stoppedBecause } : {}) });
  writeReport(o.reportFile, report);
  const exitCode = stoppedBecause?.startsWith('signal') ? 130 : report.totals.accepted === report.totals.documents && !stoppedBecause ? 0 : 1;
  return { report, exitCode };
}
