// Group commit: callers submit one item each and await their own result, while the writes go to Redis
// in batches. One batch is in flight at a time; whatever arrives meanwhile waits and goes out as the
// next batch, so under load a round trip carries many items and when idle an item leaves at once (after
// a microtask, so items submitted in the same tick share the first batch). Used by the usage log (one per
// chain, so a chain's records stay in submission order) and the routing journal.

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private running = false;

  /**
   * @param write writes the items in order and returns one result per item, in the same order; when it
   *   throws, every caller of that batch gets the error (the batch succeeds or fails as a whole).
   * @param maxBatch items per write at most; 1 gives one write per item, one after another.
   * @param onIdle called synchronously when the last batch settled and nothing waits.
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
    private readonly onIdle?: () => void,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('GroupCommit maxBatch must be a positive integer');
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((w) => w.item));
        if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
    this.onIdle?.();
  }
}
