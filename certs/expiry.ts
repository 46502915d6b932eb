// Certificate expiry for operations: one gauge sample per identity and usage (the active certificate,
// or the latest-expiring one when none is active) and the warning thresholds of the runbook
// (30, 14 and 7 days). Pure functions over IdentityReport rows; the metrics and log wiring live elsewhere.
import type { IdentityReport } from './keystore.ts';

export const EXPIRY_WARNING_DAYS = [30, 14, 7] as const;

export interface ExpirySample {
  identityId: string;
  usage: IdentityReport['usage'];
  /** Labels for the gauge. */
  serial: string;
  subject: string;
  /** Value of the gauge: seconds until notAfter (negative once expired). */
  secondsToExpiry: number;
}

/** One sample per (identity, usage): what will stop signing first if nobody rotates. */
export function expirySamples(rows: readonly IdentityReport[]): ExpirySample[] {
  const byKey = new Map<string, IdentityReport>();
  for (const r of rows) {
    const key = `${r.identityId}\u0000${r.usage}`;
    const prev = byKey.get(key);
    // The active certificate wins; without one, the one that lives longest tells how bad it is.
    if (!prev || (r.active && !prev.active) || (r.active === prev.active && r.secondsToExpiry > prev.secondsToExpiry)) byKey.set(key, r);
  }
  return [...byKey.values()].map((r) => ({ identityId: r.identityId, usage: r.usage, serial: r.serial, subject: r.subject, secondsToExpiry: r.secondsToExpiry }));
}

/**
 * The smallest warning threshold (in days) that `secondsToExpiry` has crossed, 0 when already expired,
 * or undefined when still outside every threshold. Thresholds are "at most N days left".
 */
export function crossedThreshold(secondsToExpiry: number, thresholds: readonly number[] = EXPIRY_WARNING_DAYS): number | undefined {
  if (secondsToExpiry <= 0) return 0;
  let crossed: number | undefined;
  for (const days of thresholds) {
    if (secondsToExpiry <= days * 86_400 && (crossed === undefined || days < crossed)) crossed = days;
  }
  return crossed;
}

export interface ExpiryWarning extends ExpirySample {
  /** Threshold crossed in days; 0 = expired. */
  thresholdDays: number;
}

/** Samples that should log a warning now, most urgent first. */
export function expiryWarnings(rows: readonly IdentityReport[], thresholds: readonly number[] = EXPIRY_WARNING_DAYS): ExpiryWarning[] {
  return expirySamples(rows)
    .flatMap((s) => {
      const thresholdDays = crossedThreshold(s.secondsToExpiry, thresholds);
      return thresholdDays === undefined ? [] : [{ ...s, thresholdDays }];
    })
    .sort((a, b) => a.secondsToExpiry - b.secondsToExpiry);
}
