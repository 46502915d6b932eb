// The typed model of a gateway deployment. Everything the gateway decides from comes from here:
// organisations and their service units (an extract of the SOTE organisation register), tenants and
// the organisations they act for with their joining model, organizer–provider contracts, Kanta access
// points and signing identities. Cross-references are checked after the shape (see refine below), so a
// typo in an OID fails at start with its path instead of at the first document.
import { z } from 'zod';
import { OID_PATTERN } from '../domain/values.ts';

const OID = z.string().regex(OID_PATTERN, 'must be a dotted OID such as 1.2.246.10.123');
const ID = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');
const ISO_DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const SHA256_HEX = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

export const OrganisationKind = z.enum(['welfare-region', 'private-provider', 'state-agency', 'municipality']);

export const OrganisationSchema = z.strictObject({
  oid: OID,
  name: z.string().min(1),
  kind: OrganisationKind,
  /**
   * The organisation's OID arc for document ids the gateway mints (JSON intake, docs/json-intake.md):
   * id = {arc}.{counter}. Absent: the organisation cannot use JSON intake. Must be unique.
   */
  documentOidArc: OID.optional(),
});

export const ServiceUnitSchema = z.strictObject({
  oid: OID,
  organisation: OID,
  name: z.string().min(1).optional(),
});

/** How one organisation a tenant acts for is joined to Kanta (domain.md "Who joins how"). */
export const JoiningSchema = z.discriminatedUnion('model', [
  // Own certified system (possibly the tenant is that system): own registry + organizers' via rights.
  z.strictObject({ model: z.literal('direct') }),
  // A main joiner hosts co-joiners on one system; each co-joiner keeps its own registry.
  z.strictObject({ model: z.literal('joint'), mainJoiner: OID }),
  // Uses the organizer's system and stores only into that one organizer's registry.
  z.strictObject({ model: z.literal('parallel'), organizer: OID }),
]);

export const ActsForSchema = z.strictObject({
  organisation: OID,
  joining: JoiningSchema,
});

export const TlsClientIdentitySchema = z.strictObject({
  /** Subject DN as Node prints it (X509Certificate.subject, newline separated or comma separated). */
  subject: z.string().min(1),
  issuer: z.string().min(1),
});

// --- callbacks (issue 12 item 3): a tenant's webhook receivers of its documents' lifecycle events
export const CALLBACK_EVENT_TYPES = ['accepted', 'archived', 'parked', 'rejected', 'non-delivery'] as const;

export const TenantCallbacksSchema = z
  .strictObject({
    /** Receivers; every event goes to each of them (a failing one does not hold the others back). */
    urls: z.array(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' })).min(1).max(5),
    /** Name of the environment variable holding the HMAC key (never the key itself). */
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    /** File holding the HMAC key (e.g. a mounted secret); trailing whitespace is ignored. */
    secretFile: z.string().min(1).optional(),
    /** Which of the tenant's events are delivered (default: all). */
    events: z.array(z.enum(CALLBACK_EVENT_TYPES)).min(1).default([...CALLBACK_EVENT_TYPES]),
    /** One attempt's limit for connect, answer and body together. */
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** Attempts per event and receiver before it goes to the dead-letter list. */
    maxAttempts: z.number().int().min(1).max(100).default(12),
    /** Delay before attempt n+1: min(maxMs, initialMs * factor^(n-1)), with jitter (half to all of it). */
    backoff: z
      .strictObject({
        initialMs: z.number().int().min(1).max(3_600_000).default(1_000),
        maxMs: z.number().int().min(1).max(86_400_000).default(3_600_000),
        factor: z.number().min(1).max(10).default(2),
      })
      .prefault({}),
    /** Deliveries in flight to this tenant at once, per gateway process. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** A non-delivery report goes out once for a document not archived, parked or rejected this long after acceptance. */
    nonDeliveryAfterMinutes: z.number().int().min(1).max(525_600).default(1_440),
  })
  .refine((c) => (c.secretEnv === undefined) !== (c.secretFile === undefined), { message: 'set exactly one of secretEnv or secretFile', path: ['secretEnv'] })
  .refine((c) => c.backoff.initialMs <= c.backoff.maxMs, { message: 'initialMs must not exceed maxMs', path: ['backoff', 'initialMs'] });
// --- named operators (ops console, issue 15)
/**
 * viewer: reads (queues, documents' processing data, parked lists, certificates, configuration, dry runs);
 * operator: also reruns, pauses and resumes, reloads and redeliveries.
 */
export const OperatorRole = z.enum(['viewer', 'operator']);

export const OperatorSchema = z
  .strictObject({
    /** Shown in the usage log and the console; unique. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'operator name is letters, digits and . _ @ - (at most 64)'),
    role: OperatorRole,
    /** SHA-256 (hex) of the operator's bearer token (also the console login). */
    tokenSha256: SHA256_HEX.optional(),
    /** A client certificate identifying the operator (console and API over mutual TLS). */
    tlsClient: TlsClientIdentitySchema.optional(),
  })
  .refine((o) => o.tokenSha256 !== undefined || o.tlsClient !== undefined, { message: 'an operator needs tokenSha256 or tlsClient' });

export const TenantSchema = z.strictObject({
  id: ID,
  name: z.string().min(1),
  credentials: z.strictObject({
    /** SHA-256 (hex) of each accepted bearer token; the tokens themselves never sit in config. */
    apiTokenSha256: z.array(SHA256_HEX).default([]),
    tlsClients: z.array(TlsClientIdentitySchema).default([]),
  }),
  actsFor: z.array(ActsForSchema).min(1),
  accessPoint: ID,
  /** Signing identity id: the organisation's own system-signature certificate or the intermediary's. */
  signingIdentity: ID,
  /** Fair-scheduling weight among tenants (queues/). */
  weight: z.number().int().min(1).max(100).default(1),
  paused: z.boolean().default(false),
  /**
   * Signatures a document already carries are verified against signer.trustedCaFile. Without a trusted
   * CA a signed document is refused (INTAKE_SIGNATURE_TRUST_NOT_CONFIGURED) unless this is set to false
   * for the tenant: then its signatures pass unchecked and a refusal by the archive parks the document.
   */
  verifyIncomingSignatures: z.boolean().default(true),
  // callbacks (issue 12 item 3)
  callbacks: TenantCallbacksSchema.optional(),
});

export const ContractSchema = z.strictObject({
  id: ID,
  organizer: OID,
  provider: OID,
  /** Service tasks (palvelutehtävä codes, functionCode) the provider produces for the organizer. */
  serviceTasks: z.array(z.string().regex(/^\d+$/)).min(1),
  validFrom: ISO_DATE,
  validTo: ISO_DATE.optional(),
  /** Broad right (shelter services): provider may also write client-relationship and case documents. */
  broadRight: z.boolean().default(false),
});

const FileRef = z.string().min(1);

export const CertificateSourceSchema = z.union([
  z.strictObject({ certFile: FileRef, keyFile: FileRef, keyPasswordEnv: z.string().optional() }),
  z.strictObject({
    p12File: FileRef,
    /** Name of the environment variable holding the PKCS#12 password (never the password itself). */
    passwordEnv: z.string().optional(),
    /** File holding the PKCS#12 password (e.g. a mounted secret). */
    passwordFile: FileRef.optional(),
  }),
]);

export const SigningIdentitySchema = z.strictObject({
  id: ID,
  /** Organisation OID the certificate's subject serialNumber must carry, when known. */
  organisation: OID.optional(),
  /** Several certificates may overlap during rotation: the newest valid one signs. */
  certificates: z.array(CertificateSourceSchema).min(1),
});

export const AccessPointSchema = z.strictObject({
  id: ID,
  url: z.url(),
  binding: z.enum(['soap', 'plain']).default('soap'),
  tls: z
    .strictObject({
      client: CertificateSourceSchema.optional(),
      caFile: FileRef.optional(),
      /** Only for local doubles on loopback. */
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  /** Sender device id in the HL7 frame (the access point's or the organisation's OID). */
  senderId: OID,
  /** Receiver device id (Kanta archive). Seen in every public test frame. */
  receiverId: OID.default('1.2.246.556.18007.2'),
  /** Root under which message ids are minted (message id = root + extension). */
  messageIdRoot: OID.optional(),
  processingCode: z.enum(['P', 'D', 'T']).default('P'),
  /**
   * Which Kanta environment this access point is. Absent: processingCode P means production, D or T the
   * customer-test environment (kanta.md §5: there only test persons, individual number 900–999).
   */
  environment: z.enum(['production', 'customer-test']).optional(),
  /**
   * Which clients (hetu recordTarget) intake accepts for this access point: 'only' test persons,
   * 'refuse' test persons, or 'any'. Absent: customer-test ⇒ only; production ⇒ any [A] (Kanta's public
   * material does not say production refuses 9xx individual numbers; set 'refuse' to be strict).
   */
  testPersons: z.enum(['only', 'refuse', 'any']).optional(),
  processingModeCode: z.enum(['T', 'A', 'I', 'R']).default('T'),
  connectTimeoutMs: z.number().int().positive().default(5_000),
  responseTimeoutMs: z.number().int().positive().default(30_000),
  maxConnections: z.number().int().positive().default(8),
  /** Requests per second this gateway process sends to the access point at most (agreed with Kanta). */
  maxRequestsPerSecond: z.number().positive().optional(),
  /** XSD directory documents for this access point are validated against at intake; overrides validation.cdaSchemaDir. */
  cdaSchemaDir: FileRef.optional(),
});

/**
 * Optional XML Schema validation of every incoming CDA at intake, against an operator-supplied XSD set
 * (Kanta hands its schema package to system vendors; none ships with the gateway). Debian's xmllint
 * (libxml2-utils) does the validating, in a child process per document.
 */
export const ValidationSchema = z.strictObject({
  /** Directory of the XSD set; absent: no schema validation. Relative to the config file. */
  cdaSchemaDir: FileRef.optional(),
  /** The entry schema inside the directory. */
  entryPoint: z.string().regex(/^[A-Za-z0-9._-]+\.xsd$/).default('CDA_Fi.xsd'),
  /** Validations running at once (each is one xmllint process). */
  maxConcurrent: z.number().int().min(1).max(64).default(2),
  timeoutMs: z.number().int().positive().default(10_000),
  /** The xmllint executable. */
  xmllint: z.string().min(1).default('xmllint'),
});

/** Codes the public material leaves open (kanta.md "Open questions"): configurable, defaults documented in docs/kanta-binding.md. */
export const KantaCodesSchema = z.strictObject({
  interactions: z
    .strictObject({
      archive: z.string().default('RCMR_IN200002FI01'),
      version: z.string().default('RCMR_IN200016FI01'),
      void: z.string().default('RCMR_IN200017FI01'),
      queryClientRelationship: z.string().default('RCMR_IN200010FI01'),
      // query relay: the answer the gateway gives a Kanta-native tenant (kanta-binding.md §5) [A]
      queryResponse: z.string().default('RCMR_IN200011FI01'),
    })
    .prefault({}),
  /** Palvelupyyntö code by operation and documentGroup ('*' = any other group). */
  serviceRequest: z
    .record(z.enum(['archive', 'version', 'void']), z.record(z.string(), z.string()))
    .default({
      archive: { '1': 'SP1', '*': 'SP17' },
      version: { '1': 'SP2', '*': 'SP18' },
      void: { '1': 'SP3', '*': 'SP19' },
    }),
  usageSituation: z
    .strictObject({ ownUse: z.string().default('1'), registryRight: z.string().default('2') })
    .prefault({}),
  /**
   * controlActProcess/code (HL7 trigger event) per operation. archive: RCMR_TE000102UV01 [C S1]; version:
   * RCMR_TE000910UV01 [A, the health-care archive's public version frame]; void: unknown, today's value kept [A].
   */
  triggerEvents: z
    .strictObject({
      archive: z.string().regex(/^[A-Z]{4}_TE\d{6}UV\d{2}$/).default('RCMR_TE000102UV01'),
      version: z.string().regex(/^[A-Z]{4}_TE\d{6}UV\d{2}$/).default('RCMR_TE000910UV01'),
      void: z.string().regex(/^[A-Z]{4}_TE\d{6}UV\d{2}$/).default('RCMR_TE000102UV01'),
    })
    .prefault({}),
  /**
   * codeSystemName/displayName labels on the frame's codes, as the public frames carry them [C asia_K.xml].
   * Display names per code; a code without one gets codeSystemName only.
   */
  labels: z
    .strictObject({
      enabled: z.boolean().default(true),
      serviceRequest: z.record(z.string(), z.string()).default({ SP1: 'Asiakkuusasiakirjan arkistointi', SP17: 'Asiakasasiakirjan arkistointi' }),
      usageSituation: z.record(z.string(), z.string()).default({ '1': 'Palvelunjärjestäjän rekisterin oma käyttö' }),
    })
    .prefault({}),
  /** recordTarget/patient/statusCode of the frame [C asia_K.xml: normal]. */
  patientStatusCode: z.string().min(1).default('normal'),
  // query relay: codeSystem of the gateway's own detail codes (QUERY_*, …) in Kanta-format answers [A]
  gatewayDetailCodeSystem: z.string().regex(OID_PATTERN).default('1.2.246.537.5.40185.2026.1'),
});

export const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(10_000).default(200),
  baseDelayMs: z.number().int().positive().default(1_000),
  maxDelayMs: z.number().int().positive().default(300_000),
  /** A document not archived within this age is parked and alerts (the law says "without delay"). */
  retryBudgetHours: z.number().positive().default(72),
});

export const QueuesSchema = z.strictObject({
  retry: RetrySchema.prefault({}),
  /**
   * size: documents a send lane takes on at once. waitMs: no effect any more (the lane's micro-batcher is
   * gone: the signer pool itself drains what is queued per signing key, certs/signer-pool.ts, so a lane
   * gathering documents first only added latency; docs/performance.md); still accepted so existing
   * configuration files load.
   */
  batch: z.strictObject({ size: z.number().int().min(1).max(1000).default(20), waitMs: z.number().int().min(0).default(0) }).prefault({}),
  laneConcurrency: z.number().int().min(1).max(256).default(8),
  /** Documents admitted into one send lane ahead of sending; small values make tenant fairness tight. */
  laneHighWater: z.number().int().min(1).max(100_000).default(64),
  removeOnComplete: z.strictObject({ age: z.number().int().min(0).default(3600), count: z.number().int().min(0).default(1000) }).prefault({}),
  removeOnFail: z.strictObject({ age: z.number().int().min(0).default(7 * 86400), count: z.number().int().min(0).default(10_000) }).prefault({}),
  /** Seconds the document bytes are kept after the archive acknowledged them. */
  payloadRetentionSeconds: z.number().int().min(0).default(86_400),
  /** Seconds the record and history of an archived document stay queryable on the status API. */
  recordRetentionSeconds: z.number().int().min(60).default(30 * 86_400),
  /**
   * How long a version or void is retried while the archive answers VERSION_UNKNOWN_SET and its parent
   * never passed through the gateway; then it is parked with QUEUE_PARENT_UNKNOWN (instead of retrying for
   * the whole retry budget). A parent archived through another system arrives within this time or not at all.
   */
  unknownParentWaitSeconds: z.number().int().min(0).default(3_600),
  /** How often a document waiting for its parent version (or the asiakkuusasiakirja it depends on) looks again. */
  dependencyPollMs: z.number().int().min(10).default(250),
  /**
   * BullMQ job lock. Signing runs on worker threads, so the event loop renews locks on time; a short
   * lock means a job orphaned by a crash or a Redis restart is picked up again within about twice this.
   */
  lockDurationMs: z.number().int().min(5_000).default(15_000),
  /**
   * How often each process looks for unfinished documents without a live job (left behind when Redis
   * dropped a reply mid-intake, or by a crashed process) and puts them back on their way.
   */
  sweepIntervalMs: z.number().int().min(1_000).default(60_000),
  /**
   * The "without delay" limit of Act 703/2023 §21 as this deployment reads it: a document not yet
   * archived this many seconds after acceptance raises the backlog alert (kgw_backlog_age_limit_seconds).
   * Well below retry.retryBudgetHours, after which the document is parked.
   */
  backlogAgeLimitSeconds: z.number().int().min(60).default(3_600),
  /** Intake admission waiters per unit of tenant weight. */
  intakeConcurrencyPerWeight: z.number().int().min(1).max(64).default(16),
  circuitBreaker: z
    .strictObject({
      failureThreshold: z.number().int().min(1).default(5),
      openMs: z.number().int().min(100).default(30_000),
    })
    .prefault({}),
});

// --- Kanta-native intake (issue 12, docs/kanta-native-intake.md): the SOAP endpoint certified client systems call over mutual TLS.
export const KantaNativeSchema = z.strictObject({
  /** Its own listener: mutual TLS is required, whatever the main listener does. */
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8443),
  tls: z.strictObject({
    certFile: FileRef,
    keyFile: FileRef,
    /** CA bundle the tenants' client certificates must chain to; the tenant is its certificate's subject + issuer (tenants[].credentials.tlsClients). */
    clientCaFile: FileRef,
  }),
  /** The endpoint path; the WSDL is GET {path}?wsdl. */
  path: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/).default('/kanta/sosiaalihuolto'),
  /** How long an archive request is held for the archive's own acknowledgement before the transient answer. */
  holdSeconds: z.number().min(0).max(120).default(20),
  /** The transient answer when the hold ends first [A]: ack type and the detail code a certified client resends on. */
  pendingAnswer: z.strictObject({ typeCode: z.enum(['AE', 'AR']).default('AE'), detailCode: z.string().min(1).default('TEMPORARY_ERROR') }).prefault({}),
  /** Largest SOAP request; the CDA travels Base64 inside it (4/3 of its size). Absent: 1.4 × gateway.bodyLimitBytes + 64 KiB. */
  bodyLimitBytes: z.number().int().positive().optional(),
  /** The device id the gateway's answers name as sender when a request names none it can echo [A]. */
  deviceId: OID.optional(),
});

export const GatewayListenSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  tls: z
    .strictObject({
      certFile: FileRef,
      keyFile: FileRef,
      /** CA bundle for tenant client certificates; when set, client certificates are requested. */
      clientCaFile: FileRef.optional(),
    })
    .optional(),
  bodyLimitBytes: z.number().int().positive().default(10 * 1024 * 1024),
  /**
   * Worker threads that read incoming CDA XML (decode, safe parse, header): the parse is the largest
   * single cost of intake on the event loop (gateway/intake/cda-read-pool.ts). 0 = on the event loop.
   */
  parseThreads: z.number().int().min(0).max(64).default(2),
  /** Time a client has to send all request headers (Node server.headersTimeout); then 408 and close. */
  headersTimeoutMs: z.number().int().min(1_000).default(10_000),
  /** Time a client has to send the whole request (Node server.requestTimeout); a hard ceiling behind bodyReadTimeoutMs. */
  requestTimeoutMs: z.number().int().min(1_000).default(60_000),
  /** Time intake waits for a document body to arrive in full; then a coded 408 REQUEST_TIMEOUT and the connection closes. */
  bodyReadTimeoutMs: z.number().int().min(100).default(30_000),
  /** Idle time before a kept-alive connection closes (Node server.keepAliveTimeout). */
  keepAliveTimeoutMs: z.number().int().min(100).default(5_000),
  /** Structural limits on incoming XML, checked before it is parsed (hostile input: deep nesting, attribute floods). */
  xml: z
    .strictObject({
      /** Elements nested deeper than this are refused (INTAKE_XML_TOO_DEEP); signing recurses, so depth must be bounded. */
      maxDepth: z.number().int().min(8).max(10_000).default(64),
      maxAttributesPerElement: z.number().int().min(8).max(100_000).default(64),
      maxAttributes: z.number().int().min(100).max(10_000_000).default(100_000),
      maxElements: z.number().int().min(100).max(10_000_000).default(100_000),
    })
    .prefault({}),
  /**
   * Deprecated: SHA-256 of anonymous operator tokens. Each becomes an operator named ops-N (N from 1, in
   * list order) with the operator role; use `operators` instead.
   */
  opsTokenSha256: z.array(SHA256_HEX).default([]),
  // --- audit retention / privacy: HTTP access log (gateway/access-log.ts): route pattern, never the URL
  accessLog: z.boolean().default(true),
  // Kanta-native intake (issue 12): absent = no SOAP endpoint.
  kantaNative: KantaNativeSchema.optional(),
  // --- named operators (ops console, issue 15)
  /** Named operators of the ops API and console; every operator action is logged under the name. */
  operators: z.array(OperatorSchema).default([]),
});

export const SignerSchema = z.strictObject({
  /** Worker threads in the signing pool; 0 = one per core. */
  threads: z.number().int().min(0).max(64).default(0),
  /** Verify every signature the gateway makes before sending it. */
  selfCheck: z.boolean().default(true),
  /** CA bundle that tenant-applied signatures must chain to (verification of incoming signatures). */
  trustedCaFile: FileRef.optional(),
  /**
   * Whose certificate a signature already in an incoming document must carry (subject serialNumber):
   * 'any' valid signer, the document's 'custodian', or one of the 'tenant' organisations.
   */
  incomingSigner: z.enum(['any', 'custodian', 'tenant']).default('custodian'),
  /**
   * 'whenMissing': a document that already carries a valid system signature of its custodian is sent as
   * it came (the archive needs one system signature, not two); 'always': the gateway adds its own anyway.
   * Professional signatures are kept byte-exact either way.
   */
  addSystemSignature: z.enum(['always', 'whenMissing']).default('whenMissing'),
});

export const ConfigSchema = z
  .strictObject({
    gateway: GatewayListenSchema.prefault({}),
    redis: z
      .strictObject({
        url: z.string().default('redis://127.0.0.1:6379'),
        /** Environment variable holding the Redis password (kept out of the URL and the file). */
        passwordEnv: z.string().optional(),
        /** Redis Sentinel: when set, the master is found through the sentinels (url is then ignored). */
        sentinel: z
          .strictObject({
            name: z.string().min(1),
            sentinels: z.array(z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) })).min(1),
            passwordEnv: z.string().optional(),
          })
          .optional(),
        keyPrefix: z.string().regex(/^[a-z0-9-]+$/).default('kgw'),
        /** Allow running on a Redis whose maxmemory-policy evicts keys (never in production). */
        allowEvictingRedis: z.boolean().default(false),
      })
      .prefault({}),
    kanta: z.strictObject({
      accessPoints: z.array(AccessPointSchema).min(1),
      codes: KantaCodesSchema.prefault({}),
      /**
       * When a provider writes into an organizer's registry and the gateway has never seen that
       * client's asiakkuusasiakirja, ask Kanta ("Hae asiakkuus") before refusing.
       */
      queryClientRelationshipOnMiss: z.boolean().default(true),
    }),
    signer: SignerSchema.prefault({}),
    validation: ValidationSchema.prefault({}),
    queues: QueuesSchema.prefault({}),
    organisations: z.array(OrganisationSchema).min(1),
    serviceUnits: z.array(ServiceUnitSchema).default([]),
    signingIdentities: z.array(SigningIdentitySchema).min(1),
    tenants: z.array(TenantSchema).min(1),
    contracts: z.array(ContractSchema).default([]),
    // --- audit retention: sealed usage-log segments on disk (gateway/audit/segment-sealer.ts, docs/audit-log.md)
    audit: z
      .strictObject({
        /** Without it the usage log stays in Redis only, untrimmed (fine for tests and demos, not for production). */
        segments: z
          .strictObject({
            /** Absolute directory; one sub-directory of segments and a manifest per organisation. */
            dir: z.string().min(1).refine((d) => d.startsWith('/'), 'must be an absolute path'),
            /** Entries older than this are moved to disk; Redis keeps the newer ones. */
            sealAfterMinutes: z.number().int().min(0).max(525_600).default(60),
            /** Most entries per segment file; a live window this large is sealed whatever its age. */
            maxEntries: z.number().int().min(1).max(1_000_000).default(50_000),
            /** How often the sealer runs (one process at a time, a Redis lock). */
            sealEverySeconds: z.number().int().min(1).max(86_400).default(300),
            /** Segments whose newest entry is older are deleted (with a manifest record). Omitted: kept for ever. */
            retentionYears: z.number().int().min(1).max(100).optional(),
          })
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const orgs = new Set(cfg.organisations.map((o) => o.oid));
    const aps = new Set(cfg.kanta.accessPoints.map((a) => a.id));
    const ids = new Set(cfg.signingIdentities.map((s) => s.id));
    const unique = (values: string[], path: (string | number)[], what: string) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} ${v}` });
        seen.add(v);
      });
    };
    // Node refuses a headersTimeout above requestTimeout; intake's body deadline must come first to answer coded.
    if (cfg.gateway.headersTimeoutMs > cfg.gateway.requestTimeoutMs) ctx.addIssue({ code: 'custom', path: ['gateway', 'headersTimeoutMs'], message: 'must not exceed requestTimeoutMs' });
    if (cfg.gateway.bodyReadTimeoutMs > cfg.gateway.requestTimeoutMs) ctx.addIssue({ code: 'custom', path: ['gateway', 'bodyReadTimeoutMs'], message: 'must not exceed requestTimeoutMs' });
    unique(cfg.organisations.map((o) => o.oid), ['organisations'], 'organisation');
    // Two organisations minting under one arc would mint the same document ids.
    cfg.organisations.forEach((o, i, all) => {
      if (o.documentOidArc && all.findIndex((x) => x.documentOidArc === o.documentOidArc) !== i) ctx.addIssue({ code: 'custom', path: ['organisations', i, 'documentOidArc'], message: `duplicate document OID arc ${o.documentOidArc}` });
    });
    unique(cfg.serviceUnits.map((u) => u.oid), ['serviceUnits'], 'service unit');
    unique(cfg.tenants.map((t) => t.id), ['tenants'], 'tenant id');
    // --- named operators (ops console, issue 15): one name, one token, one certificate per operator
    unique(cfg.gateway.operators.map((o) => o.name), ['gateway', 'operators'], 'operator name');
    unique([...cfg.gateway.operators.flatMap((o) => (o.tokenSha256 ? [o.tokenSha256] : [])), ...cfg.gateway.opsTokenSha256], ['gateway', 'operators'], 'operator token digest');
    unique(cfg.kanta.accessPoints.map((a) => a.id), ['kanta', 'accessPoints'], 'access point id');
    unique(cfg.signingIdentities.map((s) => s.id), ['signingIdentities'], 'signing identity id');
    unique(cfg.contracts.map((c) => c.id), ['contracts'], 'contract id');
    const orgRef = (oid: string, path: (string | number)[]) => {
      if (!orgs.has(oid)) ctx.addIssue({ code: 'custom', path, message: `unknown organisation ${oid}` });
    };
    cfg.serviceUnits.forEach((u, i) => orgRef(u.organisation, ['serviceUnits', i, 'organisation']));
    cfg.signingIdentities.forEach((s, i) => s.organisation && orgRef(s.organisation, ['signingIdentities', i, 'organisation']));
    cfg.contracts.forEach((c, i) => {
      orgRef(c.organizer, ['contracts', i, 'organizer']);
      orgRef(c.provider, ['contracts', i, 'provider']);
      if (c.validTo && c.validTo < c.validFrom) ctx.addIssue({ code: 'custom', path: ['contracts', i, 'validTo'], message: 'validTo is before validFrom' });
    });
    cfg.tenants.forEach((t, i) => {
      if (!aps.has(t.accessPoint)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'accessPoint'], message: `unknown access point ${t.accessPoint}` });
      if (!ids.has(t.signingIdentity)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'signingIdentity'], message: `unknown signing identity ${t.signingIdentity}` });
      if (t.credentials.apiTokenSha256.length === 0 && t.credentials.tlsClients.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'credentials'], message: 'a tenant needs an API token or a TLS client identity' });
      }
      t.actsFor.forEach((a, j) => {
        orgRef(a.organisation, ['tenants', i, 'actsFor', j, 'organisation']);
        if (a.joining.model === 'parallel') orgRef(a.joining.organizer, ['tenants', i, 'actsFor', j, 'joining', 'organizer']);
        if (a.joining.model === 'joint') orgRef(a.joining.mainJoiner, ['tenants', i, 'actsFor', j, 'joining', 'mainJoiner']);
      });
    });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Organisation = z.infer<typeof OrganisationSchema>;
export type ServiceUnit = z.infer<typeof ServiceUnitSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
// --- named operators (ops console, issue 15)
export type Operator = z.infer<typeof OperatorSchema>;
export type OperatorRoleName = z.infer<typeof OperatorRole>;
export type ActsFor = z.infer<typeof ActsForSchema>;
export type Joining = z.infer<typeof JoiningSchema>;
export type Contract = z.infer<typeof ContractSchema>;
export type AccessPoint = z.infer<typeof AccessPointSchema>;
export type ValidationConfig = z.infer<typeof ValidationSchema>;
export type SigningIdentityConfig = z.infer<typeof SigningIdentitySchema>;
export type CertificateSource = z.infer<typeof CertificateSourceSchema>;
export type KantaCodes = z.infer<typeof KantaCodesSchema>;
export type QueuesConfig = z.infer<typeof QueuesSchema>;
export type XmlLimitsConfig = z.infer<typeof GatewayListenSchema>['xml'];
// Kanta-native intake (issue 12)
export type KantaNativeConfig = z.infer<typeof KantaNativeSchema>;
// callbacks (issue 12 item 3)
export type TenantCallbacks = z.infer<typeof TenantCallbacksSchema>;
export type CallbackEventType = (typeof CALLBACK_EVENT_TYPES)[number];
