// The running counts of one backfill run, what the progress display and the report are made from.
// `done` counts every item dealt with in this run — skipped because the journal already held its
// answer, accepted, refused, or given up — so done / total is the share of the source behind us.

export interface Tally {
  total: number;
  /** Already answered in an earlier run (from the journal): not sent again. */
  skipped: number;
  /** Answered 202 in this run. */
  accepted: number;
  /** Answered 200 in this run: accepted before (its journal line was lost to a kill), nothing stored twice. */
  resubmitted: number;
  /** Refused for good in this run, by code. */
  refusedByCode: Map<string, number>;
  /** Retryable failures given up on in this run (no answer): sent again by the next run. */
  unanswered: number;
  /** performance.now() at the start of this run. */
  startedMs: number;
}

export function newTally(total: number): Tally {
  return { total, skipped: 0, accepted: 0, resubmitted: 0, refusedByCode: new Map(), unanswered: 0, startedMs: performance.now() };
}

export function refusedCount(t: Tally): number {
  let n = 0;
  for (const c of t.refusedByCode.values()) n += c;
  return n;
}

export function doneCount(t: Tally): number {
  return t.skipped + t.accepted + t.resubmitted + refusedCount(t) + t.unanswered;
}

/** Documents answered per second in this run (skipped ones cost nothing and are left out). */
export function ratePerSecond(t: Tally, nowMs = performance.now()): number {
  const seconds = (nowMs - t.startedMs) / 1000;
  const sent = t.accepted + t.resubmitted + refusedCount(t) + t.unanswered;
  return seconds > 0 ? sent / seconds : 0;
}

/** Seconds left at the current rate; undefined until there is a rate. */
export function etaSeconds(t: Tally, nowMs = performance.now()): number | undefined {
  const rate = ratePerSecond(t, nowMs);
  return rate > 0 ? Math.max(0, t.total - doneCount(t)) / rate : undefined;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** "ROUTE_NO_RIGHT 3, INTAKE_INVALID_FIELD 1" (most frequent first), or "0". */
export function refusalsText(t: Tally): string {
  if (t.refusedByCode.size === 0) return '0';
  return [...t.refusedByCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
}
