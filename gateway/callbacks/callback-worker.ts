// Delivers every tenant's callbacks, in each gateway process. Per tenant with callbacks configured:
//   lifecycle stream ──XREADGROUP (group kgw-callbacks, one consumer per process)──▶ deliveries (one per
//   receiver URL, durable in Redis) ──XACK──▶ taken when due ──POST, signed──▶ done | due later | dead
// Several processes share a tenant's work through the consumer group and the claim script; an event a
// dead process read but never queued is taken over with XAUTOCLAIM after claimIdleMs, a delivery it had
// taken falls due again when its lease runs out. So every event reaches each receiver at least once;
// the event id lets a receiver drop repeats.
//
// Isolation: the worker only reads the lifecycle stream, on a Redis connection of its own, and nothing
// in document processing waits for it. Each tenant has its own bounded number of attempts in flight
// (callbacks.concurrency) and its own deadline per attempt (timeoutMs), so a slow or dead receiver
// holds back only its own tenant's callbacks.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { DocumentRecord } from '../../domain/document-record.ts';
import type { LifecycleEvent } from '../../domain/lifecycle.ts';
import { LifecycleEvents } from '../../queues/lifecycle-events.ts';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { backoffDelayMs } from './callback-backoff.ts';
import type { CallbackTenant } from './callback-tenant.ts';
import { callbackTypeOf, lifecycleCallbackBody } from './callback-event.ts';
import { UndiciCallbackPoster, type CallbackPoster } from './callback-http.ts';
import { CALLBACK_GROUP } from './callback-keys.ts';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './callback-signature.ts';
import { DeliveryStore, type Delivery, type NewDelivery } from './delivery-store.ts';
import { scanOverdueDocuments, type OverdueScanStore } from './non-delivery-scan.ts';

export type { CallbackTenant } from './callback-tenant.ts';

export interface CallbackWorkerOptions {
  /** A connection of the worker's own (non-blocking commands only; it waits for Redis when Redis is down). */
  redis: Redis;
  prefix: string;
  /** Record reads for the bodies and the non-delivery scan. */
  store: OverdueScanStore & { get(tenant: string, documentId: string): Promise<DocumentRecord | undefined> };
  /** Read on every round, so a configuration reload applies at once. */
  tenants: () => readonly CallbackTenant[];
  logger: Logger;
  metrics?: Pick<GatewayMetrics, 'callbackDeliveries' | 'callbackDeliverySeconds'>;
  poster?: CallbackPoster;
  /** This process's consumer name in the group (default host:pid). */
  consumer?: string;
  /** How often each tenant looks for new events and due retries (default 500 ms). */
  pollMs?: number;
  /** An event read by a consumer and not acknowledged for this long is taken over (default 60 s). */
  claimIdleMs?: number;
  /** How often one of the processes scans for documents overdue for a non-delivery report (default 60 s). */
  nonDeliveryScanMs?: number;
  /** Where a tenant's new consumer group starts: '$' only events from now on (default), '0' every kept one. */
  groupStart?: '0' | '$';
  now?: () => Date;
  random?: () => number;
}

/** Events read from a tenant's stream per round. */
const BATCH = 100;

interface TenantState {
  inFlight: number;
  pumping: boolean;
  again: boolean;
  groupReady: boolean;
  lastReclaimAt: number;
  /** When a failed round was last logged: a Redis outage is logged once a minute per tenant, not every round. */
  lastWarnAt: number;
}

export class CallbackWorker {
  readonly deliveries: DeliveryStore;
  private readonly events: LifecycleEvents;
  private readonly poster: CallbackPoster;
  private readonly consumer: string;
  private readonly pollMs: number;
  private readonly claimIdleMs: number;
  private readonly scanMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly state = new Map<string, TenantState>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly aborts = new Set<AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning = false;
  private stopped = true;

  constructor(private readonly opts: CallbackWorkerOptions) {
    this.deliveries = new DeliveryStore(opts.redis, opts.prefix);
    this.events = new LifecycleEvents(opts.redis, opts.prefix);
    this.poster = opts.poster ?? new UndiciCallbackPoster();
    this.consumer = opts.consumer ?? `${hostname()}:${process.pid}`;
    this.pollMs = opts.pollMs ?? 500;
    this.claimIdleMs = opts.claimIdleMs ?? 60_000;
    this.scanMs = opts.nonDeliveryScanMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
  }

  /** Creates each tenant's consumer group (so no event after this is missed), then starts the rounds. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const t of this.opts.tenants()) await this.ensureGroup(t.id).catch((err) => this.opts.logger.warn('callback group not created yet', { tenant: t.id, error: (err as Error).message }));
    this.timer = setInterval(() => this.tick(), this.pollMs);
    this.scanTimer = setInterval(() => void this.scanOnce(), this.scanMs);
    this.tick();
  }

  /** Stops taking work, aborts attempts in flight (their deliveries fall due again after the lease) and closes the HTTP client. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.scanTimer);
    for (const a of this.aborts) a.abort();
    // A round that was already running may still take deliveries: they are not attempted (see attempt).
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.poster.close();
  }

  /** One non-delivery scan now (if no other process scanned within the interval); the number of reports queued. */
  async scanOnce(): Promise<number> {
    if (this.scanning || this.stopped) return 0;
    this.scanning = true;
    const p = scanOverdueDocuments({ store: this.opts.store, deliveries: this.deliveries, tenants: this.opts.tenants(), now: this.now(), lockMs: Math.max(1, this.scanMs - Math.min(1_000, this.scanMs / 10)) })
      .catch((err) => {
        this.opts.logger.warn('non-delivery scan failed', { error: (err as Error).message });
        return 0;
      })
      .finally(() => {
        this.scanning = false;
      });
    return this.track(p);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => {});
    return p;
  }

  private stateOf(tenant: string): TenantState {
    let s = this.state.get(tenant);
    if (!s) this.state.set(tenant, (s = { inFlight: 0, pumping: false, again: false, groupReady: false, lastReclaimAt: 0, lastWarnAt: 0 }));
    return s;
  }

  private async ensureGroup(tenant: string): Promise<void> {
    const s = this.stateOf(tenant);
    if (s.groupReady) return;
    await this.events.ensureGroup(tenant, CALLBACK_GROUP, this.opts.groupStart ?? '$');
    s.groupReady = true;
  }

  private tick(): void {
    if (this.stopped) return;
    for (const t of this.opts.tenants()) this.wake(t.id);
  }

  private wake(tenant: string): void {
    if (this.stopped) return;
    const s = this.stateOf(tenant);
    if (s.pumping) {
      s.again = true;
      return;
    }
    void this.track(this.pump(tenant, s));
  }

  /** One tenant's rounds: new (and stale) events become deliveries, due deliveries are attempted. */
  private async pump(tenantId: string, s: TenantState): Promise<void> {
    s.pumping = true;
    try {
      do {
        s.again = false;
        const t = this.opts.tenants().find((x) => x.id === tenantId);
        if (!t || this.stopped) break;
        await this.ensureGroup(t.id);
        const now = this.now();
        const taken: LifecycleEvent[] = [];
        if (now.getTime() - s.lastReclaimAt >= this.claimIdleMs / 2) {
          s.lastReclaimAt = now.getTime();
          taken.push(...(await this.events.claimStale(t.id, CALLBACK_GROUP, this.consumer, this.claimIdleMs, BATCH)));
        }
        const fresh = await this.events.readGroup(t.id, CALLBACK_GROUP, this.consumer, BATCH);
        taken.push(...fresh);
        if (taken.length > 0) {
          await this.deliveries.enqueue(await this.deliveriesOf(t, taken), now);
          await this.events.ack(t.id, CALLBACK_GROUP, taken.map((e) => e.id));
          if (fresh.length === BATCH) s.again = true;
        }
        const free = t.callbacks.concurrency - s.inFlight;
        if (free > 0) {
          const lease = new Date(now.getTime() + 2 * t.callbacks.timeoutMs + 5_000);
          for (const d of await this.deliveries.claimDue(t.id, free, now, lease)) this.attempt(t, d, s);
        }
      } while (s.again && !this.stopped);
    } catch (err) {
      if (Date.now() - s.lastWarnAt >= 60_000) {
        s.lastWarnAt = Date.now();
        this.opts.logger.warn('callback round failed; retrying every round', { tenant: tenantId, error: (err as Error).message });
      }
    } finally {
      s.pumping = false;
    }
  }

  /** The deliveries of a batch of events: the visible ones, to every receiver. */
  private async deliveriesOf(t: CallbackTenant, events: readonly LifecycleEvent[]): Promise<NewDelivery[]> {
    const wanted = events.map((ev) => ({ ev, type: callbackTypeOf(ev.type) })).filter((x): x is { ev: LifecycleEvent; type: NonNullable<typeof x.type> } => x.type !== undefined && t.callbacks.events.includes(x.type));
    const records = await Promise.all(wanted.map(({ ev }) => this.opts.store.get(t.id, ev.documentId)));
    const out: NewDelivery[] = [];
    wanted.forEach(({ ev, type }, i) => {
      const rec = records[i];
      // No record behind an acceptance: intake discarded it (and answered the tenant with an error).
      if (type === 'accepted' && !rec) return;
      const body = JSON.stringify(lifecycleCallbackBody(t.id, ev, type, rec));
      for (const url of t.callbacks.urls) out.push({ tenant: t.id, eventId: ev.id, type, documentId: ev.documentId, url, body });
    });
    return out;
  }

  private attempt(t: CallbackTenant, d: Delivery, s: TenantState): void {
    if (this.stopped) return; // taken while stopping: due again when its lease runs out
    s.inFlight += 1;
    const abort = new AbortController();
    this.aborts.add(abort);
    const run = async () => {
      const attemptNo = d.attempts + 1;
      const started = this.now();
      const headers = {
        [SIGNATURE_HEADER]: signatureHeader(t.secret, d.body, Math.floor(started.getTime() / 1000)),
        [EVENT_ID_HEADER]: d.eventId,
        [ATTEMPT_HEADER]: String(attemptNo),
        'user-agent': 'kanta-gateway-callbacks',
      };
      const t0 = performance.now();
      const res = await this.poster.post(d.url, d.body, headers, t.callbacks.timeoutMs, abort.signal);
      if (abort.signal.aborted) return; // stopping: the lease brings it back
      this.opts.metrics?.callbackDeliverySeconds.observe({ tenant: t.id, outcome: res.ok ? 'success' : 'failure' }, (performance.now() - t0) / 1000);
      const now = this.now();
      if (res.ok) {
        await this.deliveries.complete(d);
        this.opts.metrics?.callbackDeliveries.inc({ tenant: t.id, outcome: 'delivered' });
        return;
      }
      const next: Delivery = { ...d, attempts: attemptNo, lastAttemptAt: now.toISOString(), lastError: res.error };
      if (attemptNo >= t.callbacks.maxAttempts) {
        await this.deliveries.bury(next, now);
        this.opts.metrics?.callbackDeliveries.inc({ tenant: t.id, outcome: 'dead-letter' });
        this.opts.logger.warn('callback given up: in the dead-letter list', { tenant: t.id, eventId: d.eventId, type: d.type, attempts: attemptNo, code: res.error.code });
      } else {
        await this.deliveries.reschedule(next, new Date(now.getTime() + backoffDelayMs(t.callbacks.backoff, attemptNo, this.random)));
        this.opts.metrics?.callbackDeliveries.inc({ tenant: t.id, outcome: 'retry' });
      }
    };
    void this.track(
      run()
        .catch((err) => this.opts.logger.warn('callback attempt not recorded; it falls due again after its lease', { tenant: t.id, eventId: d.eventId, error: (err as Error).message }))
        .finally(() => {
          s.inFlight -= 1;
          this.aborts.delete(abort);
          this.wake(t.id);
        }),
    );
  }
}
