// Holds a Kanta-native request until its document reaches an outcome (archived, parked, rejected) or the
// hold time ends. It follows the tenants' durable lifecycle streams ({prefix}:events:{tenant}, every
// transition's own entry, queues/lifecycle-events.ts): one shared tick reads each tenant with held
// requests once, whatever the number of documents held, and only an entry naming a held document with
// a final status costs a record read. The record is read once more on registration, so an outcome
// written before the wait began is seen too (the stream position is taken first: nothing falls between).
import { TERMINAL_STATUSES, type DocumentRecord, type DocumentStatus } from '../../domain/document-record.ts';
import type { DocumentStore } from '../../queues/document-store.ts';
import type { LifecycleEvents } from '../../queues/lifecycle-events.ts';
import type { Logger } from '../logger.ts';

export interface OutcomeWaiterDeps {
  store: Pick<DocumentStore, 'get'>;
  events: Pick<LifecycleEvents, 'read' | 'latestId'>;
  logger: Logger;
  /** How often the held tenants' streams are read (default 100 ms). */
  tickMs?: number;
}

interface Held {
  documentId: string;
  resolve: (r: DocumentRecord | undefined) => void;
}

interface TenantWatch {
  after: string;
  held: Set<Held>;
}

export class OutcomeWaiter {
  private readonly tenants = new Map<string, TenantWatch>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(private readonly deps: OutcomeWaiterDeps) {}

  /** The record once it is final, or as it stands when `ms` has passed (undefined: the record is gone). */
  async wait(tenant: string, documentId: string, ms: number): Promise<DocumentRecord | undefined> {
    if (ms <= 0 || this.closed) return this.deps.store.get(tenant, documentId);
    let watch = this.tenants.get(tenant);
    if (!watch) {
      watch = { after: await this.deps.events.latestId(tenant), held: new Set() };
      this.tenants.set(tenant, this.tenants.get(tenant) ?? watch);
      watch = this.tenants.get(tenant)!;
    }
    const w = watch;
    return new Promise<DocumentRecord | undefined>((resolve, reject) => {
      let done = false;
      const held: Held = {
        documentId,
        resolve: (r) => {
          if (done) return;
          done = true;
          clearTimeout(deadline);
          w.held.delete(held);
          if (w.held.size === 0 && this.tenants.get(tenant) === w) this.tenants.delete(tenant);
          resolve(r);
        },
      };
      const deadline = setTimeout(() => void this.deps.store.get(tenant, documentId).then(held.resolve, (err: unknown) => { held.resolve(undefined); reject(err); }), ms);
      w.held.add(held);
      this.schedule();
      void this.deps.store.get(tenant, documentId).then(
        (r) => r && TERMINAL_STATUSES.has(r.status) && held.resolve(r),
        () => {},
      );
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.tenants.values()) for (const h of w.held) h.resolve(undefined);
    this.tenants.clear();
  }

  private schedule(): void {
    if (this.timer || this.closed || this.tenants.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick().finally(() => this.schedule());
    }, this.deps.tickMs ?? 100);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const [tenant, w] of [...this.tenants]) {
        const page = await this.deps.events.read(tenant, { after: w.after, count: 1_000 }).catch((err: unknown) => {
          this.deps.logger.debug('kanta-native: lifecycle stream read failed', { tenant, error: (err as Error).message });
          return undefined;
        });
        if (!page) continue;
        w.after = page.next;
        const finals = new Set(page.events.filter((e) => e.status !== 'discarded' && TERMINAL_STATUSES.has(e.status as DocumentStatus)).map((e) => e.documentId));
        for (const h of [...w.held]) {
          if (!finals.has(h.documentId)) continue;
          const r = await this.deps.store.get(tenant, h.documentId).catch(() => undefined);
          if (r && TERMINAL_STATUSES.has(r.status)) h.resolve(r);
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
