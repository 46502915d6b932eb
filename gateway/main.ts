// The composition root: the only place that wires configuration, Redis, the signer pool, the Kanta
// senders, routing, the queue pipeline and the HTTP app together. It holds no logic of its own: every
// part it builds receives its collaborators; nothing reads config or env on import.
import type { Redis } from 'ioredis';
import { AccessPointSenders } from '../adapters/kanta/access-point-senders.ts';
import { SigningKeyStore } from '../certs/keystore.ts';
import { SignerPool } from '../certs/signer-pool.ts';
import { verifyDocumentSignatures } from '../certs/verify.ts';
import { ConfigHolder, type ReloadResult } from '../config/config-holder.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { DocumentSender, DocumentSigner } from '../domain/ports.ts';
import type { DocumentRecord } from '../domain/document-record.ts';
import { DocumentStore } from '../queues/document-store.ts';
import { Pipeline } from '../queues/pipeline.ts';
import { CdaReadPool } from './intake/cda-read-pool.ts';
import { createRedis } from '../queues/redis-connection.ts';
import { assertNoEviction } from '../queues/redis-eviction.ts';
// perf-redis: the send rate shared by all gateway processes (issue 14)
import { SharedRateLimiter } from '../queues/shared-rate-limiter.ts';
import { createApp } from './app.ts';
import { AuditLog } from './audit/audit-log.ts';
import { reloadWithAudit } from './audit/config-reload-audit.ts';
import { AuditSealer, startSealing } from './audit/segment-sealer.ts';
import { watchCertificates } from './certificate-watch.ts';
import { clientKeySecretFrom } from './client-key-secret.ts';
import { documentEventHandlers } from './document-events.ts';
import { listen } from './http-server.ts';
import { RedisDocumentOidMinter } from './intake/document-oid-minter.ts';
import { intakeFormats } from './intake/formats.ts';
import type { SignatureVerifier } from './intake/incoming-signatures.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, timedSigner, type GatewayMetrics } from './metrics.ts';
import { RedisMetricsSources } from './metrics-sources.ts';
import { RegistryRightStore } from './registry-rights/right-store.ts';
import { RoutingJournal } from './registry-rights/routing-journal.ts';
import { auditRouter } from './routes/audit.ts';
import { intakeRouter } from './routes/intake.ts';
import { opsRouter, type OpsDeps } from './routes/ops.ts';
import { registryRightsRouter } from './routes/registry-rights.ts';
import { routingDryRunRouter } from './routes/routing-dry-run.ts';
import { statusRouter } from './routes/status.ts';
import { RoutingService } from './routing-service.ts';
// query relay
import { QueryRelay } from './query-relay/query-relay.ts';
import { kantaNativeQuery, type KantaNativeQuery } from './query-relay/kanta-native-query.ts';
import { clientQueriesRouter } from './routes/client-queries.ts';
import { buildSnapshot, type RuntimeSnapshot } from './runtime-snapshot.ts';
// Kanta-native intake (issue 12)
import { LifecycleEvents } from '../queues/lifecycle-events.ts';
import { startKantaNativeEndpoint } from './kanta-native/kanta-native-server.ts';
import { nativeBodyLimit, type KantaNativeQueryHandler } from './kanta-native/kanta-native-router.ts';
import { OutcomeWaiter } from './kanta-native/outcome-waiter.ts';
// callbacks (issue 12 item 3)
import { resolveCallbackSecret } from '../config/callback-secrets.ts';
import { callbackMetricsSource } from './callbacks/callback-metrics-source.ts';
import { CallbackWorker, type CallbackTenant } from './callbacks/callback-worker.ts';
import { DeliveryStore } from './callbacks/delivery-store.ts';
import { callbacksRouter } from './routes/callbacks.ts';
// --- ops console (issue 15)
import { certificateReport } from './certificate-watch.ts';
import { configDryRun } from './ops/config-dry-run.ts';
import { FinishRateSampler } from './ops/finish-rate.ts';
import { opsOverview } from './ops/ops-overview.ts';
import { RerunTasks } from './ops/rerun-tasks.ts';
import { consoleRouter } from './console/console-router.ts';
import { ConsoleSessions } from './console/console-session.ts';

export interface StartGatewayOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Replace the signer pool (queue benchmark). */
  signer?: DocumentSigner;
  /** Replace the Kanta clients (queue benchmark). */
  sender?: DocumentSender;
  /** Run queue workers in this process (default true). */
  runWorkers?: boolean;
  /** React to SIGHUP by reloading the configuration (default false; the CLI turns it on). */
  reloadOnSighup?: boolean;
  /** Kanta-native intake: the 'Hae asiakkuus' relay (gateway/query-relay/); absent: the query is refused NATIVE_QUERY_UNAVAILABLE. */
  kantaNativeQuery?: KantaNativeQueryHandler;
  // callbacks (issue 12 item 3)
  /** Run the callback delivery worker in this process (default: whenever queue workers run). */
  runCallbacks?: boolean;
  /** Callback worker timings (tests shorten them). */
  callbackTimings?: { pollMs?: number; claimIdleMs?: number; nonDeliveryScanMs?: number };
}

export interface RunningGateway {
  url: string;
  port: number;
  config(): LoadedConfig;
  reload(): ReloadResult;
  pipeline: Pipeline;
  store: DocumentStore;
  metrics: GatewayMetrics;
  logger: Logger;
  /** query relay: the Kanta-native "Hae asiakkuus" for the SOAP intake (soap-intake's `kantaNativeQuery`); absent with a replaced sender. */
  kantaNativeQuery?: KantaNativeQuery;
  close(): Promise<void>;
  /** Kanta-native intake: the SOAP endpoint's URL (https, mutual TLS) when gateway.kantaNative is configured. */
  kantaNativeUrl?: string;
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger();
  const holder = new ConfigHolder(opts.configFile, env);
  const first = holder.reload();
  if (!first.ok) throw first.error;
  let snapshot: RuntimeSnapshot = buildSnapshot(holder.current);
  const cfg = () => snapshot.config;
  const prefix = cfg().redis.keyPrefix;
  const metrics = createMetrics();
  const clientKeySecret = clientKeySecretFrom(env, logger);

  // Two kinds of Redis connection (libs.md): the HTTP path fails fast when Redis is down (503, nothing
  // stored); queue workers wait for Redis to come back (maxRetriesPerRequest: null, BullMQ's rule).
  const fast = createRedis(cfg().redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, lazyConnect: true }, env);
  const patient = createRedis(cfg().redis, { maxRetriesPerRequest: null, lazyConnect: true }, env);
  fast.on('error', (err) => logger.debug('redis (intake) connection error', { error: err.message }));
  patient.on('error', (err) => logger.debug('redis (workers) connection error', { error: err.message }));
  const toClose: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const c of toClose.reverse()) {
      logger.debug('closing', { part: c.name || 'anonymous' });
      await c().catch(() => {});
    }
  };
  try {
    await fast.connect();
    await patient.connect();
    toClose.push(() => patient.quit(), () => fast.quit());
    await assertNoEviction(fast, cfg().redis.allowEvictingRedis, logger);

    const keyStore = new SigningKeyStore(cfg().signingIdentities, env);
    let pool: SignerPool | undefined;
    if (!opts.signer) {
      pool = await SignerPool.start({ identities: cfg().signingIdentities, threads: cfg().signer.threads, selfCheck: cfg().signer.selfCheck, env });
      toClose.push(() => pool!.close());
    }
    const signer: DocumentSigner = timedSigner(opts.signer ?? pool!, metrics);
    // Reading CDA XML off the event loop (gateway.parseThreads; read at start, like signer.threads).
    let cdaReadPool: CdaReadPool | undefined;
    if (cfg().gateway.parseThreads > 0) {
      cdaReadPool = await CdaReadPool.start(cfg().gateway.parseThreads);
      toClose.push(() => cdaReadPool!.close());
    }
    let senders: AccessPointSenders | undefined;
    if (!opts.sender) {
      senders = new AccessPointSenders({ env, limiterFor: (ap) => (ap.maxRequestsPerSecond ? new SharedRateLimiter(patient, { prefix, accessPoint: ap.id, ratePerSecond: ap.maxRequestsPerSecond }) : undefined) });
      senders.rebuild(cfg());
      toClose.push(() => senders!.close());
    }
    const sender: DocumentSender = opts.sender ?? senders!;
    // On the pool's threads when there is one: verification must not stall intake.
    const verifier: SignatureVerifier = pool ? (xml, o) => pool!.verify(xml, o) : async (xml, o) => verifyDocumentSignatures(xml, o);

    const intakeStore = new DocumentStore(fast, prefix);
    const workerStore = new DocumentStore(patient, prefix);
    const rights = new RegistryRightStore(fast, { prefix, clientKeySecret });
    const journal = new RoutingJournal(fast, { prefix, max: 1_000 });
    // The usage log (käyttöloki): one tamper-evident chain per organisation (docs/audit-log.md).
    // One instance for intake and the lanes alike: appends to one chain are queued and group-committed
    // inside an instance, while two instances in one process raced each other for the same chains
    // (claims, stale retries: 0.8 extra SET and DEL per document at the ceiling). A lane whose entry
    // fails on the fast connection during a Redis outage retries the document, as for any Redis error.
    const audit = new AuditLog(fast, { prefix, clientKeySecret });

    const routing = new RoutingService({
      index: () => snapshot.index,
      rights,
      journal,
      store: intakeStore,
      clientKeySecret,
      audit,
      ...(senders
        ? { lookupClientRelationship: (a) => (cfg().kanta.queryClientRelationshipOnMiss ? senders!.queryClientRelationship(a.accessPoint, { organizer: a.organizer, client: a.client, askingUnit: a.askingUnit }) : Promise.resolve({ found: false })) }
        : {}),
    });
    // query relay ("Hae asiakkuus" for tenants, docs/query-relay.md): needs the real Kanta clients.
    const queryRelay = senders ? new QueryRelay({ index: () => snapshot.index, query: (ap, q) => senders!.queryClientRelationship(ap, q), accessPoint: (id) => cfg().kanta.accessPoints.find((a) => a.id === id), rights, audit }) : undefined;
    const nativeQuery = queryRelay
      ? kantaNativeQuery({ relay: queryRelay, codes: () => cfg().kanta.codes, accessPoint: (id) => cfg().kanta.accessPoints.find((a) => a.id === id), xmlLimits: () => cfg().gateway.xml })
      : undefined;
    const pipeline = await Pipeline.start({
      workerConnection: patient,
      producerConnection: fast,
      redis: patient,
      prefix,
      store: workerStore,
      signer,
      sender,
      config: cfg,
      // The send lanes come from the routing index, rebuilt once per configuration version (below).
      lanes: () => snapshot.index.lanes,
      runWorkers: opts.runWorkers !== false,
      events: documentEventHandlers({ metrics, audit, logger, settleRights: (rec, status) => routing.settleRights(rec, status, new Date()) }),
    });
    toClose.push(() => pipeline.close());

    // Gauges computed at scrape time from Redis (cached briefly), and zero series for every known label.
    const metricsSources = new RedisMetricsSources({
      redis: fast,
      documents: intakeStore,
      connection: fast,
      prefix,
      tenants: () => cfg().tenants.map((t) => ({ id: t.id, paused: t.paused })),
      knownLanes: () => pipeline.knownLanes(),
      circuits: () => cfg().kanta.accessPoints.map((a) => ({ accessPoint: a.id, state: pipeline.circuitState(a.id) })),
      backlogAgeLimitSeconds: () => cfg().queues.backlogAgeLimitSeconds,
    });
    metrics.attachSources(metricsSources);
    toClose.push(() => metricsSources.close());

    // --- callbacks (issue 12 item 3): the tenants' webhook deliveries, on a Redis connection of their own
    // so a backlog of callbacks never queues behind (or in front of) document processing.
    let callbackTenants: { version: string; tenants: CallbackTenant[] } | undefined;
    const callbackTenantsOf = (): CallbackTenant[] => {
      const loaded = holder.current;
      if (callbackTenants?.version !== loaded.version) {
        // Keys were checked when this version loaded (config/load.ts); one that vanished since keeps the previous key.
        const previous = new Map((callbackTenants?.tenants ?? []).map((t) => [t.id, t.secret]));
        const tenants: CallbackTenant[] = [];
        for (const t of loaded.config.tenants) {
          if (!t.callbacks) continue;
          const r = resolveCallbackSecret(t.callbacks, env);
          const secret = r.ok ? r.secret : previous.get(t.id);
          if (secret === undefined) logger.error('callback key unreadable: callbacks of this tenant wait', { tenant: t.id, reason: r.ok ? '' : r.reason });
          else tenants.push({ id: t.id, callbacks: t.callbacks, secret });
        }
        callbackTenants = { version: loaded.version, tenants };
      }
      return callbackTenants.tenants;
    };
    const callbackIds = () => cfg().tenants.filter((t) => t.callbacks).map((t) => t.id);
    metrics.attachCallbackSource(callbackMetricsSource(fast, prefix, callbackIds));
    const callbackDeliveries = new DeliveryStore(fast, prefix);
    if (opts.runCallbacks ?? opts.runWorkers !== false) {
      const callbackRedis = patient.duplicate();
      callbackRedis.on('error', (err) => logger.debug('redis (callbacks) connection error', { error: err.message }));
      toClose.push(() => callbackRedis.quit());
      const callbackWorker = new CallbackWorker({ redis: callbackRedis, prefix, store: new DocumentStore(callbackRedis, prefix), tenants: callbackTenantsOf, logger, metrics, ...opts.callbackTimings });
      await callbackWorker.start();
      toClose.push(() => callbackWorker.stop());
    }
    const seedMetrics = (c: Config) => metrics.seed({ tenants: c.tenants.map((t) => t.id), accessPoints: c.kanta.accessPoints.map((a) => a.id), controllers: [...new Set(pipeline.knownLanes().map((l) => l.controller))] });
    seedMetrics(cfg());

    // Applies a new configuration everywhere; throwing here makes ConfigHolder keep the old one.
    holder.onChange((loaded) => {
      if (loaded.version === snapshot.version) return;
      const next = buildSnapshot(loaded); // may throw: before anything is swapped
      keyStore.reload(loaded.config.signingIdentities);
      senders?.rebuild(loaded.config);
      snapshot = next;
      void pool?.reload(loaded.config.signingIdentities).catch((err) => logger.error('signer pool reload failed', { error: (err as Error).message }));
      seedMetrics(loaded.config);
      void pipeline.syncWorkers().catch((err) => logger.error('worker sync failed', { error: (err as Error).message }));
      logger.info('configuration applied', { version: loaded.version });
    });

    // --- audit retention: reloads in the usage log; sealed segments on disk (docs/audit-log.md)
    const auditedReload = (actor: { kind: 'ops' | 'system'; id: string }) =>
      reloadWithAudit({ reload: () => holder.reload(), currentVersion: () => (holder.ready ? holder.current.version : undefined), organisations: () => cfg().organisations.map((o) => o.oid), audit, logger }, actor);
    const segmentsConfig = cfg().audit.segments;
    if (segmentsConfig && opts.runWorkers !== false) {
      const sealer = new AuditSealer({ redis: patient, prefix, dir: segmentsConfig.dir, sealAfterMs: segmentsConfig.sealAfterMinutes * 60_000, maxEntries: segmentsConfig.maxEntries, ...(segmentsConfig.retentionYears ? { retentionYears: segmentsConfig.retentionYears } : {}) });
      toClose.push(startSealing(sealer, segmentsConfig.sealEverySeconds * 1000, logger));
    }

    const stopCertificateWatch = watchCertificates({ keyStore, config: cfg, env, metrics, logger });
    toClose.push(async () => stopCertificateWatch());

    // --- ops console (issue 15): overview, background reruns, certificates, dry run, for the API and the console
    const finishRates = new FinishRateSampler(metrics.documentsFinished);
    finishRates.start();
    toClose.push(async () => finishRates.stop());
    const rerunTasks = new RerunTasks({ redis: fast, prefix, pipeline, store: intakeStore, audit, logger });
    toClose.push(() => rerunTasks.stop());
    const opsDeps: OpsDeps = {
      pipeline,
      store: intakeStore,
      reloadConfig: async (by) => {
        const r = await auditedReload({ kind: 'ops', id: by });
        return r.ok ? { ok: true, version: r.version, changed: r.changed } : { ok: false, error: r.error.message, ...(r.keptVersion ? { keptVersion: r.keptVersion } : {}) };
      },
      configInfo: () => ({ version: holder.current.version, file: holder.current.file, loadedAt: holder.current.loadedAt, ...(holder.lastReloadError ? { lastReloadError: holder.lastReloadError } : {}) }),
      accessPoints: () => cfg().kanta.accessPoints.map((a) => a.id),
      tenant: (id) => cfg().tenants.find((t) => t.id === id),
      knownController: async (oid) => {
        if (cfg().organisations.some((o) => o.oid === oid) || pipeline.knownLanes().some((l) => l.controller === oid)) return true;
        const control = await pipeline.controlState();
        return control.pausedControllers.includes(oid) || Object.keys(control.parkedLanes).some((k) => k.endsWith(`|${oid}`));
      },
      overview: () => opsOverview({ sources: metricsSources, config: cfg, rates: finishRates, control: () => pipeline.controlState() }),
      tasks: rerunTasks,
      certificates: () => certificateReport({ keyStore, config: cfg, env, logger }),
      configDryRun: (text) => configDryRun(text, holder.current, env),
      audit,
      logger,
    };

    // What every intake form's stages need (gateway/intake/run-intake.ts): the REST route and the
    // Kanta-native endpoint share it, so both forms pass the same stages with the same settings.
    const intakeStages = {
      store: intakeStore,
      enqueue: (r: DocumentRecord, payload?: Buffer) => (payload ? pipeline.enqueue(r, payload) : pipeline.enqueue(r)),
      routing,
      schemaValidator: (ap: string) => snapshot.schemaValidators.get(ap),
      incomingSignatures: { verifier, rule: () => cfg().signer.incomingSigner, addSystemSignature: () => cfg().signer.addSystemSignature, trustedCaPems: () => snapshot.trustedCaPems },
      xmlLimits: () => cfg().gateway.xml,
      accessPoint: (id: string) => cfg().kanta.accessPoints.find((a) => a.id === id),
      audit: { log: audit, index: () => snapshot.index },
      logger,
      metrics,
    };

    let shuttingDown = false;
    const app = createApp({
      logger,
      metricsRegistry: metrics.registry,
      httpMetrics: metrics,
      ...(cfg().gateway.accessLog ? { accessLog: logger } : {}),
      credentials: () => snapshot.credentials,
      health: {
        configLoaded: () => (holder.ready ? { version: holder.current.version } : undefined),
        pingRedis: async () => (await fast.ping()) === 'PONG',
        shuttingDown: () => shuttingDown,
      },
      routers: [
        intakeRouter({
          ...intakeStages,
          bodyLimitBytes: () => cfg().gateway.bodyLimitBytes,
          formats: intakeFormats({ json: { minter: new RedisDocumentOidMinter(fast, prefix), directory: cfg }, ...(cdaReadPool ? { cdaReader: (body, op, limits) => cdaReadPool!.read(body, op, limits) } : {}) }),
          bodyReadTimeoutMs: () => cfg().gateway.bodyReadTimeoutMs,
        }),
        statusRouter({ store: intakeStore, audit }),
        registryRightsRouter({ rights, index: () => snapshot.index, audit }),
        auditRouter({ log: audit, index: () => snapshot.index, segments: () => (cfg().audit.segments ? { dir: cfg().audit.segments!.dir } : undefined) }),
        routingDryRunRouter({ journal, rights, current: () => ({ config: snapshot.config, version: snapshot.version, index: snapshot.index }) }),
        // query relay
        ...(queryRelay ? [clientQueriesRouter({ relay: queryRelay, index: () => snapshot.index })] : []),
        opsRouter(opsDeps),
        // callbacks (issue 12 item 3)
        callbacksRouter({ deliveries: callbackDeliveries, tenants: callbackIds, logger }),
      ],
      console: consoleRouter({ ops: opsDeps, sessions: new ConsoleSessions(fast, prefix), credentials: () => snapshot.credentials, logger }),
    });

    const server = await listen(app, cfg().gateway);
    toClose.push(() => server.close());

    // --- Kanta-native intake (issue 12): its own mutual-TLS listener, the same intake stages as POST /v1/documents.
    let kantaNativeUrl: string | undefined;
    const nativeAtStart = cfg().gateway.kantaNative;
    if (nativeAtStart) {
      const nativeCfg = () => cfg().gateway.kantaNative ?? nativeAtStart;
      const waiter = new OutcomeWaiter({ store: intakeStore, events: new LifecycleEvents(fast, prefix), logger });
      toClose.push(async () => waiter.close());
      const nativeServer = await startKantaNativeEndpoint(nativeAtStart, cfg().gateway, {
        ...intakeStages,
        config: nativeCfg,
        codes: () => cfg().kanta.codes,
        credentials: () => snapshot.credentials,
        bodyLimitBytes: () => nativeBodyLimit(nativeCfg(), cfg().gateway.bodyLimitBytes),
        bodyReadTimeoutMs: () => cfg().gateway.bodyReadTimeoutMs,
        waiter,
        gatewayDeviceId: (t) => (cfg().kanta.accessPoints.find((a) => a.id === t?.accessPoint) ?? cfg().kanta.accessPoints[0])?.senderId ?? '1.2.246.10',
        // The query relay answers the SOAP endpoint's "Hae asiakkuus"; a caller may put its own handler in.
        ...((opts.kantaNativeQuery ?? nativeQuery) ? { kantaNativeQuery: (opts.kantaNativeQuery ?? nativeQuery)! } : {}),
      });
      toClose.push(() => nativeServer.close());
      kantaNativeUrl = `${nativeServer.url}${nativeAtStart.path}`;
      logger.info('kanta-native endpoint listening', { url: kantaNativeUrl });
    }

    const onHup = () => {
      void auditedReload({ kind: 'system', id: 'signal' }).then((r) =>
        logger.log(r.ok ? 'info' : 'error', 'configuration reload (SIGHUP)', r.ok ? { version: r.version, changed: r.changed } : { error: r.error.message, keptVersion: r.keptVersion }),
      );
    };
    if (opts.reloadOnSighup) {
      process.on('SIGHUP', onHup);
      toClose.push(async () => void process.off('SIGHUP', onHup));
    }

    // Crash recovery: anything unfinished goes back on its way (streamed, in the background).
    if (opts.runWorkers !== false) {
      void pipeline.sweep().then(
        (r) => r.requeued > 0 && logger.info('startup sweep requeued unfinished documents', r),
        (err) => logger.error('startup sweep failed', { error: (err as Error).message }),
      );
    }
    // --- ops console (issue 15): a rerun task whose process died is taken over here.
    if (opts.runWorkers !== false) void rerunTasks.resumeAbandoned().catch((err) => logger.error('resuming rerun tasks failed', { error: (err as Error).message }));
    logger.info('gateway listening', { url: server.url, configVersion: holder.current.version });

    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      config: () => holder.current,
      reload: () => holder.reload(),
      pipeline,
      store: intakeStore,
      metrics,
      logger,
      ...(nativeQuery ? { kantaNativeQuery: nativeQuery } : {}),
      ...(kantaNativeUrl ? { kantaNativeUrl } : {}),
      close: () => {
        closing ??= (async () => {
          shuttingDown = true;
          await closeAll();
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    fast.disconnect();
    patient.disconnect();
    throw err;
  }
}
