// A capped list of the routing inputs of recently accepted documents, for the routing dry run: what
// would a candidate configuration decide for them? Only what routing reads is kept: no content, and the
// client only as its clientKey() pseudonym.
//
// Entries recorded concurrently are group-committed (../group-commit.ts): one LPUSH of the whole batch
// and one LTRIM, pipelined in one round trip: 2 Redis commands per batch where MULTI, LPUSH, LTRIM, EXEC
// per entry were 4 per entry (a Lua script doing the same would count 3: the EVALSHA and the two calls).
import type { Redis } from 'ioredis';
import { GatewayError } from '../../domain/errors.ts';
import { GroupCommit } from '../group-commit.ts';
import type { DocumentOperation } from '../../domain/document-header.ts';
import { clientKey } from '../routing/client-key.ts';
import type { ParentRecord, RoutingMeta, RoutingOutcome } from '../routing/types.ts';

export interface JournalEntry {
  /** When the document was accepted (ISO 8601); the dry run replays with this as `now`. */
  at: string;
  tenantId: string;
  operation: DocumentOperation;
  meta: RoutingMeta;
  /** clientKey() of the document's recordTarget. */
  clientKey: string;
  parent?: ParentRecord;
  /** The decision made at intake, in short. */
  decision: { accepted: boolean; ruleId: string; controller?: string; code?: string; configVersion: string };
}

/** Only the fields routing reads, whatever richer object (a full DocumentMetadata) came in. */
function routingFieldsOf(m: RoutingMeta): RoutingMeta {
  return {
    documentId: m.documentId,
    setId: m.setId,
    versionNumber: m.versionNumber,
    custodian: m.custodian,
    documentGroup: m.documentGroup,
    documentDate: m.documentDate,
    ...(m.outsourcingServiceCustomer !== undefined ? { outsourcingServiceCustomer: m.outsourcingServiceCustomer } : {}),
    ...(m.serviceUnit !== undefined ? { serviceUnit: m.serviceUnit } : {}),
    ...(m.functionCode !== undefined ? { functionCode: m.functionCode } : {}),
  };
}

/** Builds a journal entry from what intake has at hand; strips everything routing does not read. */
export function toJournalEntry(args: {
  at: Date;
  tenantId: string;
  operation: DocumentOperation;
  meta: RoutingMeta & { client: { root: string; extension?: string } };
  parent?: ParentRecord;
  decision: RoutingOutcome;
  clientKeySecret: string;
}): JournalEntry {
  const m = args.meta;
  const d = args.decision;
  return {
    at: args.at.toISOString(),
    tenantId: args.tenantId,
    operation: args.operation,
    meta: routingFieldsOf(m),
    clientKey: clientKey(m.client, args.clientKeySecret),
    ...(args.parent ? { parent: { writerOrganisation: args.parent.writerOrganisation, controller: args.parent.controller } } : {}),
    decision: d.accepted
      ? { accepted: true, ruleId: d.ruleId, controller: d.controller, configVersion: d.configVersion }
      : { accepted: false, ruleId: d.ruleId, code: d.code, configVersion: d.configVersion },
  };
}

/** Entries per LPUSH at most; bounds the size of one command, not the list (that is `max`). */
const MAX_BATCH = 64;

export class RoutingJournal {
  private readonly key: string;
  private readonly max: number;
  private readonly batches: GroupCommit<string, void>;

  constructor(
    private readonly redis: Redis,
    opts: { prefix: string; max: number; maxBatch?: number },
  ) {
    if (!opts.prefix) throw new GatewayError('CONFIG_INVALID', 'RoutingJournal needs a key prefix');
    if (!Number.isInteger(opts.max) || opts.max < 1) throw new GatewayError('CONFIG_INVALID', 'RoutingJournal max must be a positive integer');
    const maxBatch = opts.maxBatch ?? MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new GatewayError('CONFIG_INVALID', 'RoutingJournal maxBatch must be a positive integer');
    this.key = `${opts.prefix}:routing:journal`;
    this.max = opts.max;
    this.batches = new GroupCommit((lines) => this.write(lines), maxBatch);
  }

  /** Resolves once this entry (with the others of its batch) is in Redis. */
  async record(entry: JournalEntry): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(entry.clientKey)) throw new GatewayError('INTERNAL', 'A journal entry carries the client only as clientKey()');
    // Re-picked so a caller passing a full DocumentMetadata cannot leak the client id or content fields.
    const stored: JournalEntry = { ...entry, meta: routingFieldsOf(entry.meta) };
    await this.batches.submit(JSON.stringify(stored));
  }

  private async write(lines: string[]): Promise<void[]> {
    // Newest first: LPUSH pushes its arguments one after another, so the last recorded ends up in front.
    // No MULTI: the two commands need not be atomic. A crash (or a failed LTRIM) between them only leaves
    // the list longer than max until the next batch trims it; readers take at most max entries anyway.
    const replies = await this.redis.pipeline().lpush(this.key, ...lines).ltrim(this.key, 0, this.max - 1).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('routing journal: the pipeline was not executed');
    return lines.map(() => undefined);
  }

  /** The newest n entries (default: all kept), newest first. */
  async recent(n: number = this.max): Promise<JournalEntry[]> {
    const count = Math.max(0, Math.min(Math.floor(n), this.max));
    if (count === 0) return [];
    const raw = await this.redis.lrange(this.key, 0, count - 1);
    return raw.map((r) => JSON.parse(r) as JournalEntry);
  }
}
