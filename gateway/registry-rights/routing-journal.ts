// A capped list of the routing inputs of recently accepted documents, for the routing dry run: what
// would a candidate configuration decide for them? Only what routing reads is kept: no content, and the
// client only as its clientKey() pseudonym.
import type { Redis } from 'ioredis';
import { GatewayError } from '../../domain/errors.ts';
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

export class RoutingJournal {
  private readonly key: string;
  private readonly max: number;

  constructor(
    private readonly redis: Redis,
    opts: { prefix: string; max: number },
  ) {
    if (!opts.prefix) throw new GatewayError('CONFIG_INVALID', 'RoutingJournal needs a key prefix');
    if (!Number.isInteger(opts.max) || opts.max < 1) throw new GatewayError('CONFIG_INVALID', 'RoutingJournal max must be a positive integer');
    this.key = `${opts.prefix}:routing:journal`;
    this.max = opts.max;
  }

  async record(entry: JournalEntry): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(entry.clientKey)) throw new GatewayError('INTERNAL', 'A journal entry carries the client only as clientKey()');
    // Re-picked so a caller passing a full DocumentMetadata cannot leak the client id or content fields.
    const stored: JournalEntry = { ...entry, meta: routingFieldsOf(entry.meta) };
    // Newest first; trimmed in the same round trip so the list never exceeds max.
    await this.redis.multi().lpush(this.key, JSON.stringify(stored)).ltrim(this.key, 0, this.max - 1).exec();
  }

  /** The newest n entries (default: all kept), newest first. */
  async recent(n: number = this.max): Promise<JournalEntry[]> {
    const count = Math.max(0, Math.min(Math.floor(n), this.max));
    if (count === 0) return [];
    const raw = await this.redis.lrange(this.key, 0, count - 1);
    return raw.map((r) => JSON.parse(r) as JournalEntry);
  }
}
