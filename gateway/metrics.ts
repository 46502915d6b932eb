// Prometheus metrics of one gateway process. One registry, created by main and passed down; no
// module registers metrics on import.
//
// Labels are bounded by the configuration: tenant ids, access point ids, controller OIDs, error codes
// from the catalogue, express route patterns. Never a document id, a submission id or a person.
//
// Two kinds of series:
//   - events (counters, histograms) recorded where they happen, with zero series for every known label
//     value from the start (`seed`), so `rate()` and `increase()` see the first event;
//   - state (queue depth and age, parked, paused, circuits, Redis policy) read at scrape time through
//     `MetricsSources` (collect callbacks), so the values are right from the first scrape and agree
//     across several gateway processes sharing one Redis.
import client from 'prom-client';
import type { SendAction } from '../domain/values.ts';
import type { DocumentSigner } from '../queues/ports.ts';

export type CircuitStateName = 'closed' | 'half-open' | 'open';

export interface LaneStat {
  accessPoint: string;
  controller: string;
  /** Jobs not yet taken: waiting (a paused lane's too), prioritized, delayed (retry backoff, dependency wait). */
  depth: number;
  /** Age since acceptance of the oldest document still in the lane (0 when empty). */
  oldestWaitingAgeSeconds: number;
  /** Jobs a worker holds right now (signing or sending). */
  inFlight: number;
  counts: Record<string, number>;
}

export interface IntakeStat {
  tenant: string;
  depth: number;
  oldestWaitingAgeSeconds: number;
  inFlight: number;
  counts: Record<string, number>;
}

/** The narrow read-only view of queue and document state the scrape-time gauges need. */
export interface MetricsSources {
  laneStats(): Promise<LaneStat[]>;
  intakeStats(): Promise<IntakeStat[]>;
  /** Documents in status parked right now, by controller and code. */
  parkedNow(): Promise<Array<{ controller: string; code: string; count: number }>>;
  /** Lanes parked as a whole by a controller-level refusal. */
  parkedLanes(): Promise<Array<{ accessPoint: string; controller: string; code: string }>>;
  paused(): Promise<{ controllers: string[]; tenants: string[] }>;
  circuits(): Array<{ accessPoint: string; state: CircuitStateName }>;
  /** Redis maxmemory-policy as INFO reports it. */
  redisMaxmemoryPolicy(): Promise<string>;
  /** The "without delay" limit the backlog alert compares the oldest age with. */
  backlogAgeLimitSeconds(): number;
}

// callbacks (issue 12 item 3)
/** Per tenant with callbacks: deliveries in the dead-letter list, and deliveries plus unread events still to go. */
export interface CallbackMetricsSource {
  counts(): Promise<Array<{ tenant: string; deadLetters: number; pending: number }>>;
}

/** Label values known from the configuration: their counters exist (at 0) before the first event. */
export interface KnownLabels {
  tenants: string[];
  accessPoints: string[];
  controllers: string[];
}

export interface GatewayMetrics {
  registry: client.Registry;
  intake: client.Counter<'tenant' | 'outcome'>;
  documentsFinished: client.Counter<'controller' | 'status' | 'code'>;
  sendDuration: client.Histogram<'access_point' | 'outcome'>;
  signDuration: client.Histogram<'outcome'>;
  retryBudgetExhausted: client.Counter<'controller'>;
  circuitState: client.Gauge<'access_point'>;
  certificateExpirySeconds: client.Gauge<'identity' | 'usage'>;
  queueJobs: client.Gauge<'queue' | 'state'>;
  httpRequests: client.Counter<'method' | 'route' | 'status'>;
  httpDuration: client.Histogram<'method' | 'route'>;
  /** Callback deliveries given up on, waiting in the dead-letter list (read at scrape time from Redis). */
  callbackDeadLetters: client.Gauge<'tenant'>;
  // callbacks (issue 12 item 3)
  /** Callback attempts by tenant and outcome: delivered, retry (failed, tried again later), dead-letter (given up). */
  callbackDeliveries: client.Counter<'tenant' | 'outcome'>;
  /** Duration of one callback attempt by tenant and outcome (success, failure). */
  callbackDeliverySeconds: client.Histogram<'tenant' | 'outcome'>;
  /** Connects the callback gauges (dead letters, pending) to the delivery state in Redis. */
  attachCallbackSource(source: CallbackMetricsSource): void;
  /** Connects the scrape-time gauges to queue and document state; before this they report nothing. */
  attachSources(sources: MetricsSources): void;
  /** Creates zero series for the configured label values (call at start and after every reload). */
  seed(known: KnownLabels): void;
}

const CIRCUIT_VALUE: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };
const SEND_OUTCOMES: readonly SendAction[] = ['archived', 'retry', 'park', 'reject', 'park-controller'];

export function createMetrics(): GatewayMetrics {
  const registry = new client.Registry();
  // Standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds …): dashboards and
  // alerts written for any Node.js service work unchanged.
  client.collectDefaultMetrics({ register: registry });
  // prom-client also exports these three as gauges named *_total, which the exposition rules reserve
  // for counters (promtool check metrics flags them); nodejs_active_handles{type} and its siblings
  // carry the same numbers per type, so sum() of those replaces them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  let sources: MetricsSources | undefined;
  let known: KnownLabels = { tenants: [], accessPoints: [], controllers: [] };
  const registers = [registry];

  const intake = new client.Counter({ name: 'kgw_intake_total', help: 'Documents received, by tenant and outcome (accepted, duplicate, or the refusal code)', labelNames: ['tenant', 'outcome'], registers });
  const documentsFinished = new client.Counter({ name: 'kgw_documents_finished_total', help: 'Documents reaching a final state (archived, parked, rejected) by controller and code', labelNames: ['controller', 'status', 'code'], registers });
  const sendDuration = new client.Histogram({ name: 'kgw_kanta_send_seconds', help: 'Kanta request duration by access point and outcome', labelNames: ['access_point', 'outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  const signDuration = new client.Histogram({ name: 'kgw_sign_seconds', help: 'System signature duration including the pool queue, by outcome', labelNames: ['outcome'], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers });
  const retryBudgetExhausted = new client.Counter({ name: 'kgw_retry_budget_exhausted_total', help: 'Documents parked because their retry budget ran out (alert on any increase)', labelNames: ['controller'], registers });
  const certificateExpirySeconds = new client.Gauge({ name: 'kgw_certificate_expiry_seconds', help: 'Seconds until the certificate expires, per identity and usage', labelNames: ['identity', 'usage'], registers });
  const httpRequests = new client.Counter({ name: 'kgw_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
  const httpDuration = new client.Histogram({ name: 'kgw_http_request_duration_seconds', help: 'HTTP request duration by method and route pattern', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers });
  // callbacks (issue 12 item 3): dead letters and pending read at scrape time, so every process reports the shared state.
  let callbackSource: CallbackMetricsSource | undefined;
  let callbackCounts: Promise<Array<{ tenant: string; deadLetters: number; pending: number }>> | undefined;
  const callbackRead = (): Promise<Array<{ tenant: string; deadLetters: number; pending: number }>> => {
    if (!callbackSource) return Promise.resolve([]);
    // One read shared by both gauges of a scrape.
    callbackCounts ??= callbackSource.counts().finally(() => setTimeout(() => (callbackCounts = undefined), 1_000).unref());
    return callbackCounts;
  };
  const callbackDeadLetters: client.Gauge<'tenant'> = new client.Gauge({
    name: 'kgw_callback_dead_letters',
    help: 'Callback deliveries given up on and waiting in the dead-letter list, by tenant',
    labelNames: ['tenant'],
    registers,
    async collect() {
      const rows = await callbackRead().catch(() => undefined);
      if (!rows) return; // Redis unreadable: the last values stay rather than a false all-clear
      callbackDeadLetters.reset();
      for (const tenant of known.tenants) callbackDeadLetters.set({ tenant }, 0);
      for (const r of rows) callbackDeadLetters.set({ tenant: r.tenant }, r.deadLetters);
    },
  });
  const callbackPending: client.Gauge<'tenant'> = new client.Gauge({
    name: 'kgw_callback_pending',
    help: 'Callbacks still to deliver, by tenant: deliveries due, retrying or in flight, plus lifecycle events not yet read',
    labelNames: ['tenant'],
    registers,
    async collect() {
      callbackPending.reset();
      for (const r of (await callbackRead().catch(() => undefined)) ?? []) callbackPending.set({ tenant: r.tenant }, r.pending);
    },
  });
  const callbackDeliveries = new client.Counter({ name: 'kgw_callback_deliveries_total', help: 'Callback attempts by tenant and outcome: delivered, retry (failed, tried again later), dead-letter (given up)', labelNames: ['tenant', 'outcome'], registers });
  const callbackDeliverySeconds = new client.Histogram({ name: 'kgw_callback_delivery_seconds', help: 'Duration of one callback attempt by tenant and outcome (success, failure)', labelNames: ['tenant', 'outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });

  // Scrape-time state. Every gauge has its own collect callback (prom-client reads each gauge as soon
  // as its own callback settles); they share one read per source because MetricsSources caches and
  // shares reads in flight. A failing read (Redis down) empties the gauges of that source and shows
  // in kgw_metrics_source_up instead of failing the whole scrape.
  const reads = {
    queues: (s: MetricsSources) => Promise.all([s.laneStats(), s.intakeStats()]).then(([lanes, intakes]) => ({ lanes, intakes })),
    parked: (s: MetricsSources) => s.parkedNow(),
    'parked-lanes': (s: MetricsSources) => s.parkedLanes(),
    paused: (s: MetricsSources) => s.paused(),
    redis: (s: MetricsSources) => s.redisMaxmemoryPolicy(),
  };
  type Source = keyof typeof reads;
  type Read<S extends Source> = Awaited<ReturnType<(typeof reads)[S]>>;
  function stateGauge<L extends string, S extends Source>(name: string, help: string, labelNames: L[], source: S, fill: (value: Read<S>, g: client.Gauge<L>) => void): client.Gauge<L> {
    const g: client.Gauge<L> = new client.Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        g.reset();
        if (!sources) return;
        let value: Read<S>;
        try {
          value = (await reads[source](sources)) as Read<S>;
        } catch {
          return;
        }
        fill(value, g);
      },
    });
    return g;
  }

  const sourceUp: client.Gauge<'source'> = new client.Gauge({
    name: 'kgw_metrics_source_up',
    help: 'Whether the scrape-time read of queue and document state succeeded (1) or failed (0), by source',
    labelNames: ['source'],
    registers,
    async collect() {
      sourceUp.reset();
      const s = sources;
      if (!s) return;
      const names = Object.keys(reads) as Source[];
      const results = await Promise.allSettled(names.map((n) => reads[n](s)));
      names.forEach((n, i) => sourceUp.set({ source: n }, results[i]!.status === 'fulfilled' ? 1 : 0));
    },
  });

  const circuitState: client.Gauge<'access_point'> = new client.Gauge({
    name: 'kgw_circuit_state',
    help: 'Circuit breaker per access point in this process: 0 closed, 1 half-open, 2 open',
    labelNames: ['access_point'],
    registers,
    collect() {
      circuitState.reset();
      for (const r of sources?.circuits() ?? []) circuitState.set({ access_point: r.accessPoint }, CIRCUIT_VALUE[r.state]);
    },
  });

  const lanes = (pick: (l: LaneStat) => number) => (v: Read<'queues'>, g: client.Gauge<'access_point' | 'controller'>) => {
    for (const l of v.lanes) g.set({ access_point: l.accessPoint, controller: l.controller }, pick(l));
  };
  const intakes = (pick: (t: IntakeStat) => number) => (v: Read<'queues'>, g: client.Gauge<'tenant'>) => {
    for (const t of v.intakes) g.set({ tenant: t.tenant }, pick(t));
  };
  stateGauge('kgw_lane_depth', 'Jobs waiting in a send lane (waiting, delayed, prioritized), by access point and controller', ['access_point', 'controller'], 'queues', lanes((l) => l.depth));
  stateGauge('kgw_lane_oldest_waiting_age_seconds', 'Seconds since acceptance of the oldest document still in a send lane (0 when empty)', ['access_point', 'controller'], 'queues', lanes((l) => l.oldestWaitingAgeSeconds));
  stateGauge('kgw_lane_in_flight', 'Documents a send lane works on right now: jobs a worker holds and direct-lane runs', ['access_point', 'controller'], 'queues', lanes((l) => l.inFlight));
  stateGauge('kgw_intake_depth', 'Documents waiting for admission into a send lane, by tenant', ['tenant'], 'queues', intakes((t) => t.depth));
  stateGauge('kgw_intake_oldest_waiting_age_seconds', 'Seconds since acceptance of the oldest document waiting for admission, by tenant (0 when empty)', ['tenant'], 'queues', intakes((t) => t.oldestWaitingAgeSeconds));
  const queueJobs = stateGauge('kgw_queue_jobs', 'BullMQ jobs per queue and state', ['queue', 'state'], 'queues', (v, g) => {
    for (const l of v.lanes) for (const [state, n] of Object.entries(l.counts)) g.set({ queue: `lane.${l.accessPoint}.${l.controller}`, state }, n);
    for (const t of v.intakes) for (const [state, n] of Object.entries(t.counts)) g.set({ queue: `intake.${t.tenant}`, state }, n);
  });

  const backlogLimit: client.Gauge = new client.Gauge({
    name: 'kgw_backlog_age_limit_seconds',
    help: 'The configured "without delay" limit: a document older than this and not archived is a backlog alert',
    registers,
    collect() {
      backlogLimit.reset();
      if (sources) backlogLimit.set(sources.backlogAgeLimitSeconds());
    },
  });

  stateGauge('kgw_documents_parked', 'Documents parked right now (waiting for an operator rerun), by controller and code', ['controller', 'code'], 'parked', (rows, g) => {
    for (const r of rows) g.set({ controller: r.controller, code: r.code }, r.count);
  });
  stateGauge('kgw_lane_parked', 'Send lanes parked as a whole by a controller-level refusal (1 while parked), with the refusal code', ['access_point', 'controller', 'code'], 'parked-lanes', (rows, g) => {
    for (const r of rows) g.set({ access_point: r.accessPoint, controller: r.controller, code: r.code }, 1);
  });
  stateGauge('kgw_controller_paused', 'Controllers whose lanes are paused or parked: 1 paused, 0 running, by controller OID', ['controller'], 'paused', (p, g) => {
    for (const c of known.controllers) g.set({ controller: c }, 0);
    for (const c of p.controllers) g.set({ controller: c }, 1);
  });
  stateGauge('kgw_tenant_paused', 'Tenants whose intake is paused: 1 paused, 0 running, by tenant', ['tenant'], 'paused', (p, g) => {
    for (const t of known.tenants) g.set({ tenant: t }, 0);
    for (const t of p.tenants) g.set({ tenant: t }, 1);
  });
  stateGauge('kgw_redis_maxmemory_policy_info', 'Redis maxmemory-policy (1 for the policy in force); anything but noeviction can lose documents', ['policy'], 'redis', (policy, g) => {
    g.set({ policy }, 1);
  });

  return {
    registry,
    intake,
    documentsFinished,
    sendDuration,
    signDuration,
    retryBudgetExhausted,
    circuitState,
    certificateExpirySeconds,
    queueJobs,
    httpRequests,
    httpDuration,
    callbackDeadLetters,
    // callbacks (issue 12 item 3)
    callbackDeliveries,
    callbackDeliverySeconds,
    attachCallbackSource(source) {
      callbackSource = source;
    },
    attachSources(s) {
      sources = s;
    },
    seed(k) {
      known = k;
      for (const tenant of k.tenants) {
        for (const outcome of ['accepted', 'duplicate']) intake.inc({ tenant, outcome }, 0);
        callbackDeadLetters.inc({ tenant }, 0); // adds nothing to a series that exists
        // callbacks (issue 12 item 3)
        for (const outcome of ['delivered', 'retry', 'dead-letter']) callbackDeliveries.inc({ tenant, outcome }, 0);
      }
      for (const controller of k.controllers) {
        retryBudgetExhausted.inc({ controller }, 0);
        documentsFinished.inc({ controller, status: 'archived', code: '' }, 0);
      }
      for (const ap of k.accessPoints) for (const outcome of SEND_OUTCOMES) sendDuration.zero({ access_point: ap, outcome });
      signDuration.zero({ outcome: 'ok' });
      signDuration.zero({ outcome: 'error' });
    },
  };
}

/** Records every signature's duration (pool queue included) in kgw_sign_seconds. */
export function timedSigner(signer: DocumentSigner, metrics: Pick<GatewayMetrics, 'signDuration'>): DocumentSigner {
  return {
    async sign(identityId, cdaXml) {
      const end = metrics.signDuration.startTimer();
      try {
        const r = await signer.sign(identityId, cdaXml);
        end({ outcome: 'ok' });
        return r;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    },
  };
}
