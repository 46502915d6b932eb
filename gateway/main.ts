// The composition root: the only place that wires configuration, Redis, the signer pool, the Kanta
// clients, routing, the queue pipeline and the HTTP app together. Everything else receives its
// collaborators; nothing reads config or env on import.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { readDocumentMetadata } from '../adapters/cda/read-metadata.ts';
import { KantaClient, type SendOutcome } from '../adapters/kanta/kanta-client.ts';
import { parseXmlSafely } from '../adapters/xml/safe-parse.ts';
import { loadCredential } from '../certs/credential.ts';
import { expirySamples, expiryWarnings } from '../certs/expiry.ts';
import { SigningKeyStore, reportFor } from '../certs/keystore.ts';
import { SignerPool } from '../certs/signer-pool.ts';
import { verifyDocumentSignatures } from '../certs/verify.ts';
import { ConfigHolder, type ReloadResult } from '../config/config-holder.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { AccessPoint, Config } from '../config/schema.ts';
import { DocumentStore } from '../queues/document-store.ts';
import { Pipeline } from '../queues/pipeline.ts';
import { TokenBucket } from '../queues/rate-limiter.ts';
import { createRedis } from '../queues/redis-connection.ts';
import type { DocumentSender, DocumentSigner, OutboundDocument, SendResult } from '../queues/ports.ts';
import { createApp } from './app.ts';
import { buildCredentialIndex, type CredentialIndex } from './auth.ts';
import { GatewayError, errorCodeOf } from '../domain/errors.ts';
import { AuditLog } from './audit/audit-log.ts';
import { documentFinishedEvent } from './audit/audit-events.ts';
import { auditRouter } from './routes/audit.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type GatewayMetrics } from './metrics.ts';
import { RegistryRightStore } from './registry-rights/right-store.ts';
import { RoutingJournal } from './registry-rights/routing-journal.ts';
import { registryRightsRouter } from './routes/registry-rights.ts';
import { routingDryRunRouter } from './routes/routing-dry-run.ts';
import { intakeRouter } from './routes/intake.ts';
import { opsRouter } from './routes/ops.ts';
import { statusRouter } from './routes/status.ts';
import { RoutingService, type ClientRelationshipLookup } from './routing-service.ts';
import { buildRoutingIndex, type RoutingIndex } from './routing/index.ts';

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
  close(): Promise<void>;
}

/** The pseudonym secret for client ids in Redis (rights, journal). Never in the config file. */
export function clientKeySecretFrom(env: NodeJS.ProcessEnv, logger: Logger): string {
  if (env.KGW_CLIENT_KEY_SECRET) return env.KGW_CLIENT_KEY_SECRET;
  if (env.KGW_CLIENT_KEY_SECRET_FILE) return readFileSync(env.KGW_CLIENT_KEY_SECRET_FILE, 'utf8').trim();
  if (env.NODE_ENV === 'production') throw new GatewayError('CONFIG_INVALID', 'Set KGW_CLIENT_KEY_SECRET or KGW_CLIENT_KEY_SECRET_FILE in production');
  logger.warn('KGW_CLIENT_KEY_SECRET not set: using the development pseudonym secret (never in production)');
  return 'kanta-gateway-development-only';
}

/** Refuses an evicting Redis: an evicted payload or state key is a lost document. */
export async function assertNoEviction(redis: Redis, allow: boolean, logger: Logger): Promise<void> {
  const info = await redis.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
  if (policy === 'noeviction') return;
  if (allow) {
    logger.warn('Redis evicts keys; allowed by redis.allowEvictingRedis (never in production)', { policy });
    return;
  }
  throw new GatewayError('QUEUE_REDIS_EVICTING', `Redis maxmemory-policy is ${policy}; set it to noeviction (or redis.allowEvictingRedis for tests)`);
}

function toSendResult(o: SendOutcome): SendResult {
  const firstError = o.ack?.details.find((d) => d.typeCode === undefined || d.typeCode === 'E');
  const code = o.error?.code ?? o.decidedBy ?? firstError?.code;
  const text = o.error?.message ?? firstError?.text;
  return {
    action: o.action,
    messageId: o.messageId,
    ...(code ? { code } : {}),
    ...(text ? { text } : {}),
    transportFailure: o.transportFailure,
    ...(o.error?.retryAfterSeconds !== undefined ? { retryAfterSeconds: o.error.retryAfterSeconds } : {}),
    ...(o.ack ? { ack: { typeCode: o.ack.typeCode, details: o.ack.details.map((d) => ({ typeCode: d.typeCode, code: d.code, text: d.text })) } } : {}),
    durationMs: o.durationMs,
  };
}

/** One Kanta client per access point; rebuilt when the configuration changes. */
class KantaSenders implements DocumentSender {
  private clients = new Map<string, KantaClient>();
  private limits = new Map<string, TokenBucket>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  rebuild(config: Config): void {
    const next = new Map<string, KantaClient>();
    for (const ap of config.kanta.accessPoints) next.set(ap.id, this.clientFor(ap, config));
    this.limits = new Map(config.kanta.accessPoints.filter((ap) => ap.maxRequestsPerSecond).map((ap) => [ap.id, new TokenBucket(ap.maxRequestsPerSecond!)]));
    const old = this.clients;
    this.clients = next;
    for (const c of old.values()) void c.close();
  }

  private clientFor(ap: AccessPoint, config: Config): KantaClient {
    const src = ap.tls?.client;
    // PKCS#12 client identities are opened by the keystore; PEM ones the adapter reads itself.
    if (src && 'p12File' in src) {
      const cred = loadCredential(src, this.env);
      const keyPem = cred.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return new KantaClient(ap, config.kanta.codes, { tlsClient: { certPem: cred.certificatePem, keyPem } });
    }
    return new KantaClient(ap, config.kanta.codes);
  }

  async send(accessPointId: string, doc: OutboundDocument): Promise<SendResult> {
    const client = this.clients.get(accessPointId);
    if (!client) throw new GatewayError('ROUTE_NO_ACCESS_POINT', `Access point ${accessPointId} is not configured`);
    // The frame repeats header metadata of the CDA (kanta.md §1.1): read it from the signed bytes.
    // The header was read at intake and travels on the record; only a record stored before the header
    // was kept needs the signed bytes read again.
    const metadata = doc.metadata ?? readDocumentMetadata(parseXmlSafely(doc.signedCda.toString('utf8')));
    await this.limits.get(accessPointId)?.take();
    return toSendResult(await client.send({ ...doc, metadata }));
  }

  async queryClientRelationship(args: Parameters<ClientRelationshipLookup>[0]): ReturnType<ClientRelationshipLookup> {
    const client = this.clients.get(args.accessPoint);
    if (!client) throw new GatewayError('ROUTE_NO_ACCESS_POINT', `Access point ${args.accessPoint} is not configured`);
    await this.limits.get(args.accessPoint)?.take();
    return client.queryClientRelationship({ organizer: args.organizer, client: args.client, askingUnit: args.askingUnit });
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger();
  const holder = new ConfigHolder(opts.configFile, env);
  const first = holder.reload();
  if (!first.ok) throw first.error;
  const cfg = () => holder.current.config;
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
    let signer = opts.signer;
    let pool: SignerPool | undefined;
    if (!signer) {
      pool = await SignerPool.start({ identities: cfg().signingIdentities, threads: cfg().signer.threads, selfCheck: cfg().signer.selfCheck, env });
      const p = pool;
      toClose.push(() => p.close());
      signer = p;
    }
    let sender = opts.sender;
    let senders: KantaSenders | undefined;
    if (!sender) {
      senders = new KantaSenders(env);
      senders.rebuild(cfg());
      const s = senders;
      toClose.push(() => s.close());
      sender = senders;
    }

    const intakeStore = new DocumentStore(fast, prefix);
    const workerStore = new DocumentStore(patient, prefix);
    const rights = new RegistryRightStore(fast, { prefix, clientKeySecret });
    const journal = new RoutingJournal(fast, { prefix, max: 1_000 });
    // The usage log (käyttöloki): one tamper-evident chain per organisation (docs/audit-log.md).
    const audit = new AuditLog(fast, { prefix, clientKeySecret });
    const workerAudit = new AuditLog(patient, { prefix, clientKeySecret });
    let index: RoutingIndex = buildRoutingIndex(cfg(), holder.current.version);
    let credentials: CredentialIndex = buildCredentialIndex(cfg());
    // Read once per configuration version, not per incoming signed document.
    const readTrustedCas = (c: Config) => (c.signer.trustedCaFile ? [readFileSync(c.signer.trustedCaFile, 'utf8')] : undefined);
    let trustedCaPems = readTrustedCas(cfg());

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
      lanes: () => index.lanes,
      runWorkers: opts.runWorkers !== false,
      events: {
        onFinished: (e) => {
          metrics.documentsFinished.inc({ controller: e.record.controller, status: e.status, code: e.code ?? '' });
          const ev = documentFinishedEvent(e);
          // The send has happened and cannot be undone: a failed log append is reported, loudly.
          if (ev) void workerAudit.append(ev).catch((err) => logger.error('usage log append failed', { documentId: e.record.documentId, code: errorCodeOf(err) }));
          logger.log(e.status === 'archived' ? 'info' : 'warn', `document ${e.status}`, { tenant: e.record.tenant, documentId: e.record.documentId, controller: e.record.controller, code: e.code });
        },
        onRetryBudgetExhausted: (r) => {
          metrics.retryBudgetExhausted.inc({ controller: r.controller });
          logger.error('retry budget exhausted: document parked', { tenant: r.tenant, documentId: r.documentId, controller: r.controller });
        },
        onSend: (ap, r) => metrics.sendDuration.observe({ access_point: ap, outcome: r.action }, r.durationMs / 1000),
        onCircuit: (ap, state) => {
          metrics.circuitState.set({ access_point: ap }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
          logger.warn('circuit breaker', { accessPoint: ap, state });
        },
        onError: (where, err) => logger.error('queue error', { where, error: (err as Error).message }),
      },
    });
    toClose.push(() => pipeline.close());

    // Applies a new configuration everywhere; throwing here makes ConfigHolder keep the old one.
    holder.onChange((loaded) => {
      if (loaded.version === index.configVersion) return;
      const nextCas = readTrustedCas(loaded.config); // may throw: before anything is swapped
      keyStore.reload(loaded.config.signingIdentities);
      senders?.rebuild(loaded.config);
      trustedCaPems = nextCas;
      index = buildRoutingIndex(loaded.config, loaded.version);
      credentials = buildCredentialIndex(loaded.config);
      void pool?.reload(loaded.config.signingIdentities).catch((err) => logger.error('signer pool reload failed', { error: (err as Error).message }));
      void pipeline.syncWorkers().catch((err) => logger.error('worker sync failed', { error: (err as Error).message }));
      logger.info('configuration applied', { version: loaded.version });
    });

    const checkCertificates = () => {
      const now = new Date();
      const rows = keyStore.list(now);
      // The access points' TLS client certificates expire too (DVV palvelinvarmenne, at most a year).
      for (const ap of cfg().kanta.accessPoints) {
        if (!ap.tls?.client) continue;
        try {
          rows.push(reportFor(ap.id, 'tls-client', loadCredential(ap.tls.client, env), now, true));
        } catch (err) {
          logger.error('access point certificate cannot be read', { accessPoint: ap.id, error: (err as Error).message });
        }
      }
      for (const s of expirySamples(rows)) metrics.certificateExpirySeconds.set({ identity: s.identityId, usage: s.usage }, s.secondsToExpiry);
      for (const w of expiryWarnings(rows)) logger.warn('certificate expires soon', { identity: w.identityId, usage: w.usage, daysLeft: Math.floor(w.secondsToExpiry / 86_400), thresholdDays: w.thresholdDays });
    };
    checkCertificates();
    const certTimer = setInterval(checkCertificates, 3_600_000);
    certTimer.unref();
    toClose.push(async () => clearInterval(certTimer));

    const routing = new RoutingService({
      index: () => index,
      rights,
      journal,
      store: intakeStore,
      clientKeySecret,
      audit,
      ...(senders ? { lookupClientRelationship: (args) => (cfg().kanta.queryClientRelationshipOnMiss ? senders!.queryClientRelationship(args) : Promise.resolve({ found: false })) } : {}),
    });
    let shuttingDown = false;
    const app = createApp({
      logger,
      metricsRegistry: metrics.registry,
      credentials: () => credentials,
      health: {
        configLoaded: () => (holder.ready ? { version: holder.current.version } : undefined),
        pingRedis: async () => (await fast.ping()) === 'PONG',
        shuttingDown: () => shuttingDown,
      },
      routers: [
        intakeRouter({
          store: intakeStore,
          enqueue: (r) => pipeline.enqueue(r),
          routing,
          verifyIncoming: async (xml, meta, tenant) => {
            const pems = trustedCaPems;
            const rule = cfg().signer.incomingSigner;
            const expectedSignerOids = rule === 'custodian' ? [meta.custodian] : rule === 'tenant' ? tenant.actsFor.map((a) => a.organisation) : undefined;
            const opts = { ...(pems ? { trustedCaPems: pems } : {}), ...(expectedSignerOids ? { expectedSignerOids } : {}) };
            // On the pool's threads when there is one: verification must not stall intake.
            const r = pool ? await pool.verify(xml, opts) : verifyDocumentSignatures(xml, opts);
            return { valid: r.valid, ...(r.reason ? { reason: r.reason } : {}) };
          },
          bodyLimitBytes: () => cfg().gateway.bodyLimitBytes,
          audit: { log: audit, index: () => index },
          logger,
          metrics,
        }),
        statusRouter({ store: intakeStore, audit }),
        registryRightsRouter({ rights, index: () => index, audit }),
        auditRouter({ log: audit, index: () => index }),
        routingDryRunRouter({ journal, rights, current: () => ({ config: cfg(), version: holder.current.version, index }) }),
        opsRouter({
          pipeline,
          store: intakeStore,
          reloadConfig: () => {
            const r = holder.reload();
            return r.ok ? { ok: true, version: r.version, changed: r.changed } : { ok: false, error: r.error.message, ...(r.keptVersion ? { keptVersion: r.keptVersion } : {}) };
          },
          configInfo: () => ({ version: holder.current.version, file: holder.current.file, loadedAt: holder.current.loadedAt, ...(holder.lastReloadError ? { lastReloadError: holder.lastReloadError } : {}) }),
          accessPoints: () => cfg().kanta.accessPoints.map((a) => a.id),
          tenant: (id) => cfg().tenants.find((t) => t.id === id),
          audit,
          logger,
        }),
      ],
    });

    const listen = cfg().gateway;
    const server = listen.tls
      ? https.createServer(
          {
            cert: readFileSync(listen.tls.certFile),
            key: readFileSync(listen.tls.keyFile),
            ...(listen.tls.clientCaFile ? { ca: readFileSync(listen.tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
          },
          app,
        )
      : http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
    toClose.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const url = `${listen.tls ? 'https' : 'http'}://${listen.host}:${port}`;

    const onHup = () => {
      const r = holder.reload();
      logger.log(r.ok ? 'info' : 'error', 'configuration reload (SIGHUP)', r.ok ? { version: r.version, changed: r.changed } : { error: r.error.message, keptVersion: r.keptVersion });
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
    logger.info('gateway listening', { url, configVersion: holder.current.version });

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      config: () => holder.current,
      reload: () => holder.reload(),
      pipeline,
      store: intakeStore,
      metrics,
      logger,
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
