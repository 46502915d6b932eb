// Collects items until `size` are waiting or `waitMs` has passed since the first, then runs them as
// one batch. Each caller gets its own item's result or error: one bad document never fails its
// neighbours (each document is acknowledged on its own).
export class MicroBatcher<I, O> {
  private pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: { size: number; waitMs: number },
    private readonly runBatch: (items: I[]) => Promise<Array<PromiseSettledResult<O>>>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.size) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.waitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, this.pending.length);
    if (batch.length === 0) return;
    this.runBatch(batch.map((b) => b.item)).then(
      (results) => results.forEach((r, i) => (r.status === 'fulfilled' ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.reason))),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }
}
