// Fair admission of documents from the per-tenant intake queues into the send lanes. A lane holds at
// most `highWater` documents (waiting + active + delayed); intake jobs that want a full lane wait in
// one FIFO per lane. Every tenant's intake worker has a bounded number of waiters (its weight), so
// the FIFO interleaves tenants: a flood from one tenant fills its own intake queue, not the lane, and
// a newcomer's document enters the lane after at most `highWater` + weight of the flood's.
// The lane's depth is counted in Redis at most every `recountMs` (or when credit runs out); between
// counts, each lane job this process finishes is one more credit. Counting per admission would cap a
// lane at one document per Redis round trip.
export type LaneDepth = (laneKey: string) => Promise<number>;

interface Waiter {
  run: () => Promise<void>;
  cancel: (err: Error) => void;
}

export class LaneAdmission {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly pumping = new Set<string>();
  private readonly wakeups = new Map<string, () => void>();
  private readonly credits = new Map<string, { free: number; countedAt: number }>();
  private closed = false;

  constructor(
    private readonly depthOf: LaneDepth,
    private readonly highWater: () => number,
    private readonly pollMs = 100,
    private readonly recountMs = 250,
    private readonly maxStaleMs = 4 * recountMs,
  ) {}

  /** Waits for this lane's turn, then runs `add` (which enqueues the lane job). */
  admit(laneKey: string, add: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // After close() nothing pumps this lane any more: a waiter added now would never settle and
      // would hold the worker's graceful close until it is forced.
      if (this.closed) return reject(new Error('gateway shutting down'));
      const list = this.waiters.get(laneKey) ?? [];
      list.push({ run: () => add().then(resolve, reject), cancel: reject });
      this.waiters.set(laneKey, list);
      void this.pump(laneKey);
    });
  }

  /**
   * Takes one slot at once, without waiting, when nobody here waits for the lane and a count read from
   * Redis within `maxStaleMs` (refreshed after `recountMs`) still leaves room: intake then adds the lane job itself instead of an
   * intake job an intake worker would admit a moment later (one BullMQ job less per document). False
   * sends the document the queued way, whose pump recounts the lane.
   */
  tryTakeNow(laneKey: string): boolean {
    if (this.closed || this.waiting(laneKey) > 0) return false;
    const credit = this.credits.get(laneKey);
    const age = credit ? Date.now() - credit.countedAt : Number.POSITIVE_INFINITY;
    // Recounted in the background once older than recountMs, and still used meanwhile up to maxStaleMs:
    // the credit follows this process's own takes and finishes exactly, so its age only hides what
    // other processes did since. Refusing every document that meets an expired count sent a share of a
    // steady stream the queued way (about 35 % at 220 documents/s), each costing an intake job.
    if (age > this.recountMs) this.recountSoon(laneKey);
    if (!credit || age > this.maxStaleMs) return false;
    if (credit.free <= 0) return false;
    credit.free -= 1;
    return true;
  }

  private readonly recounting = new Set<string>();

  private recountSoon(laneKey: string): void {
    if (this.recounting.has(laneKey) || this.pumping.has(laneKey)) return;
    this.recounting.add(laneKey);
    this.depthOf(laneKey).then(
      (depth) => {
        // A pump that counted meanwhile has the newer figure.
        if (!this.pumping.has(laneKey)) this.credits.set(laneKey, { free: this.highWater() - depth, countedAt: Date.now() });
      },
      () => {},
    ).finally(() => this.recounting.delete(laneKey));
  }

  /** Gives back a slot tryTakeNow took whose lane job could not be added. */
  giveBack(laneKey: string): void {
    this.notify(laneKey);
  }

  /** Called when a lane job of this process finished: one slot is free. */
  notify(laneKey: string): void {
    const credit = this.credits.get(laneKey);
    if (credit) credit.free += 1;
    this.wakeups.get(laneKey)?.();
  }

  waiting(laneKey: string): number {
    return this.waiters.get(laneKey)?.length ?? 0;
  }

  /** Stops admitting; waiting intake jobs fail (and are retried by whichever process runs next). */
  close(): void {
    this.closed = true;
    for (const wake of this.wakeups.values()) wake();
    for (const list of this.waiters.values()) for (const w of list.splice(0)) w.cancel(new Error('gateway shutting down'));
  }

  private async pump(laneKey: string): Promise<void> {
    if (this.pumping.has(laneKey)) return;
    this.pumping.add(laneKey);
    try {
      const list = this.waiters.get(laneKey)!;
      while (list.length > 0 && !this.closed) {
        let credit = this.credits.get(laneKey);
        if (!credit || credit.free <= 0 || Date.now() - credit.countedAt > this.recountMs) {
          let depth: number;
          try {
            depth = await this.depthOf(laneKey);
          } catch {
            depth = Number.POSITIVE_INFINITY; // Redis hiccup: wait and look again; the intake jobs stay safely queued
          }
          credit = { free: this.highWater() - depth, countedAt: Date.now() };
          this.credits.set(laneKey, credit);
        }
        if (credit.free <= 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.pollMs);
            this.wakeups.set(laneKey, () => {
              clearTimeout(timer);
              resolve();
            });
          });
          this.wakeups.delete(laneKey);
          continue;
        }
        const batch = list.splice(0, credit.free);
        credit.free -= batch.length;
        await Promise.all(batch.map((w) => w.run()));
      }
    } finally {
      this.pumping.delete(laneKey);
      if ((this.waiters.get(laneKey)?.length ?? 0) > 0 && !this.closed) void this.pump(laneKey);
    }
  }
}
