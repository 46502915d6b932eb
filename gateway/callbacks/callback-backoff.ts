// When the next attempt of a failed callback is due: exponential, capped, with jitter so that many
// callbacks failing together (a receiver restarting) do not all come back in the same instant.
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/**
 * Delay after the `attempts`-th failed attempt (1-based): d = min(maxMs, initialMs * factor^(attempts-1)),
 * drawn uniformly from [d/2, d] ("equal jitter": never sooner than half the nominal delay).
 */
export function backoffDelayMs(policy: BackoffPolicy, attempts: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempts));
  const nominal = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
