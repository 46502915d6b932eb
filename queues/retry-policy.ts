// Retry timing. Exponential backoff with "full jitter" (delay drawn uniformly from 0 … min(cap,
// base·2^(n-1))): spreads a fleet's retries after a Kanta outage instead of synchronising them.
// Computed from each document's own attempt count, so a rerun or a restart does not reset it.

export interface RetryTiming {
  baseDelayMs: number;
  maxDelayMs: number;
}

export function backoffDelayMs(attemptsMade: number, timing: RetryTiming, random: () => number = Math.random): number {
  const exp = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** Math.max(0, Math.min(attemptsMade - 1, 30)));
  return Math.floor(random() * exp);
}

/** A document older than the budget is parked and alerted on: the law wants storage "without delay". */
export function retryBudgetExhausted(acceptedAtIso: string, now: Date, budgetHours: number): boolean {
  return now.getTime() - Date.parse(acceptedAtIso) > budgetHours * 3_600_000;
}
