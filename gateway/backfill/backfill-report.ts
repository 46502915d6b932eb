// The report file a backfill leaves behind (JSON): what was sent and answered in this run, what the
// state journal holds over all runs, every refusal by code with the files it concerns, and what is
// still unanswered. Written at the end of every run, also an interrupted one.
import { renameSync, writeFileSync } from 'node:fs';
import type { BackfillJournal } from './backfill-journal.ts';
import { ratePerSecond, refusedCount, type Tally } from './backfill-tally.ts';

/** File names listed per refusal code and for unanswered documents; the state file has them all. */
const NAMES_PER_LIST = 1000;

export interface BackfillReport {
  source: string;
  tenant: string;
  gateway: string;
  stateFile: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Documents answered per second in this run. */
  ratePerSecond: number;
  /** Stopped by a signal (or a fatal refusal) before the end of the source. */
  interrupted: boolean;
  stoppedBecause?: string;
  /** documents = accepted + refused + unanswered + notReached, over all runs recorded in the state file. */
  totals: { documents: number; accepted: number; refused: number; unanswered: number; notReached: number };
  thisRun: { accepted: number; resubmitted: number; skipped: number; refused: number; unanswered: number };
  refusalsByCode: Record<string, { count: number; files: string[]; more?: number }>;
  unanswered: Array<{ file: string; reason: string }>;
}

export function buildReport(a: {
  source: string;
  tenant: string;
  gateway: string;
  journal: BackfillJournal;
  tally: Tally;
  startedAt: Date;
  unanswered: Array<{ file: string; reason: string }>;
  stoppedBecause?: string;
}): BackfillReport {
  const { tally: t, journal } = a;
  const finished = new Date();
  const byCode: BackfillReport['refusalsByCode'] = {};
  for (const { code, name } of journal.refusals().values()) {
    const entry = (byCode[code] ??= { count: 0, files: [] });
    entry.count += 1;
    if (entry.files.length < NAMES_PER_LIST) entry.files.push(name);
    else entry.more = (entry.more ?? 0) + 1;
  }
  const refused = journal.refusals().size;
  const accepted = journal.acceptedCount;
  const unanswered = t.unanswered;
  return {
    source: a.source,
    tenant: a.tenant,
    gateway: a.gateway,
    stateFile: journal.file,
    startedAt: a.startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Number(((finished.getTime() - a.startedAt.getTime()) / 1000).toFixed(3)),
    ratePerSecond: Number(ratePerSecond(t).toFixed(2)),
    interrupted: a.stoppedBecause !== undefined,
    ...(a.stoppedBecause ? { stoppedBecause: a.stoppedBecause } : {}),
    totals: { documents: t.total, accepted, refused, unanswered, notReached: Math.max(0, t.total - accepted - refused - unanswered) },
    thisRun: { accepted: t.accepted, resubmitted: t.resubmitted, skipped: t.skipped, refused: refusedCount(t), unanswered },
    refusalsByCode: byCode,
    unanswered: a.unanswered.slice(0, NAMES_PER_LIST),
  };
}

/** Written to a temporary name and renamed, so a report file is always whole. */
export function writeReport(file: string, report: BackfillReport): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, file);
}
