// Documents finished per minute per controller, from this process's kgw_documents_finished_total
// counter sampled every few seconds. Per process on purpose: the counter is per process, and a
// gateway without traffic for the window shows 0. A window of samples keeps memory bounded.
import type { Counter } from 'prom-client';

type Totals = Map<string, { archived: number; parked: number; rejected: number }>;

export interface FinishRate {
  /** Per minute over the window (or since the first sample when younger). */
  archivedPerMinute: number;
  parkedPerMinute: number;
  rejectedPerMinute: number;
}

export class FinishRateSampler {
  private readonly samples: Array<{ at: number; totals: Totals }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly counter: Pick<Counter<'controller' | 'status' | 'code'>, 'get'>,
    private readonly opts: { windowMs?: number; everyMs?: number; now?: () => number } = {},
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.everyMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(): Promise<void> {
    const now = (this.opts.now ?? Date.now)();
    const totals: Totals = new Map();
    for (const v of (await this.counter.get()).values) {
      const controller = String(v.labels.controller ?? '');
      const status = String(v.labels.status ?? '');
      if (!controller || (status !== 'archived' && status !== 'parked' && status !== 'rejected')) continue;
      const row = totals.get(controller) ?? { archived: 0, parked: 0, rejected: 0 };
      row[status] += v.value;
      totals.set(controller, row);
    }
    this.samples.push({ at: now, totals });
    const windowMs = this.opts.windowMs ?? 300_000;
    while (this.samples.length > 2 && now - this.samples[1]!.at >= windowMs) this.samples.shift();
  }

  /** Undefined until two samples exist (a rate needs an interval). */
  rateOf(controller: string): FinishRate | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return undefined;
    const minutes = (last.at - first.at) / 60_000;
    const a = first.totals.get(controller) ?? { archived: 0, parked: 0, rejected: 0 };
    const b = last.totals.get(controller) ?? { archived: 0, parked: 0, rejected: 0 };
    const per = (k: 'archived' | 'parked' | 'rejected') => Math.round(((b[k] - a[k]) / minutes) * 10) / 10;
    return { archivedPerMinute: per('archived'), parkedPerMinute: per('parked'), rejectedPerMinute: per('rejected') };
  }
}
