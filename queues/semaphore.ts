// A FIFO async semaphore. FIFO matters: waiters from different tenants are served in arrival order,
// which is what makes lane admission round-robin between tenants.
export class Semaphore {
  private waiters: Array<() => void> = [];
  constructor(private available: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available += 1;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
