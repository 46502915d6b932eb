// One circuit breaker per Kanta access point. Opens after N consecutive transport failures (or at
// once for a service break with Retry-After), lets one probe through after the open period, closes
// on the probe's success. While open, documents wait without spending an attempt (the caller delays
// them); Kela may cut a connection that hammers Kanta (domain.md), so this protects both sides.

export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { pass: true; probe: boolean } | { pass: false; retryAtMs: number };

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probeInFlight = false;

  constructor(
    private readonly opts: { failureThreshold: number; openMs: number },
    private readonly onChange: (state: CircuitState) => void = () => {},
  ) {}

  get current(): CircuitState {
    return this.state;
  }

  admit(nowMs = Date.now()): Admission {
    if (this.state === 'closed') return { pass: true, probe: false };
    if (this.state === 'open' && nowMs >= this.openUntil) this.transition('half-open');
    if (this.state === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return { pass: true, probe: true };
    }
    return { pass: false, retryAtMs: Math.max(this.openUntil, nowMs + Math.min(1_000, this.opts.openMs)) };
  }

  /**
   * A success closes a half-open circuit (the probe came through). While open, a late success of a
   * request sent before the circuit opened proves nothing about now, so the circuit stays open.
   */
  onSuccess(): void {
    this.consecutiveFailures = 0;
    this.probeInFlight = false;
    if (this.state === 'half-open') this.transition('closed');
  }

  onFailure(nowMs = Date.now(), retryAfterMs?: number): void {
    this.consecutiveFailures += 1;
    this.probeInFlight = false;
    const open = this.state === 'half-open' || this.consecutiveFailures >= this.opts.failureThreshold || retryAfterMs !== undefined;
    if (open) {
      this.openUntil = nowMs + Math.max(this.opts.openMs, retryAfterMs ?? 0);
      if (this.state !== 'open') this.transition('open');
    }
  }

  /** A probe that ended without a verdict on the transport (e.g. an application error) frees the slot. */
  releaseProbe(): void {
    this.probeInFlight = false;
  }

  private transition(to: CircuitState): void {
    this.state = to;
    this.onChange(to);
  }
}
