// The usage-log entry for each thing the gateway does with client data, built from the values the
// intake, status, queue, registry-rights and ops code already hold. Pure: the callers append the
// result, so which fields reach the log is decided here, in one place, and tested without HTTP.
import type { DocumentMetadata, DocumentOperation } from '../../domain/document-header.ts';
import type { Tenant } from '../../config/schema.ts';
import type { DocumentRecord } from '../../queues/document-store.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import type { RoutingDecision } from '../routing/types.ts';
import type { AuditAction, AuditDetails, AuditEvent } from './audit-log.ts';

type Client = { root: string; extension?: string };
/** The document fields the queue-side entries need (a DocumentRecord has them). */
type DocumentRef = Pick<DocumentRecord, 'tenant' | 'documentId' | 'controller' | 'writerOrganisation'>;

const tenantActor = (tenant: Pick<Tenant, 'id'> | string) => ({ kind: 'tenant' as const, id: typeof tenant === 'string' ? tenant : tenant.id });

function aboutDocument(doc: DocumentRef, action: AuditAction, actor: AuditEvent['actor'], extra: { code?: string; details?: AuditDetails } = {}): AuditEvent {
  return {
    organisation: doc.controller,
    ...(doc.writerOrganisation !== doc.controller ? { actingOrganisation: doc.writerOrganisation } : {}),
    action,
    actor,
    documentId: doc.documentId,
    ...(extra.code ? { code: extra.code } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
}

/** POST /v1/documents accepted (202): a write into the controller's registry on the writer's behalf. */
export function intakeAcceptedEvent(a: { tenant: Pick<Tenant, 'id'>; meta: Pick<DocumentMetadata, 'documentId' | 'client'>; operation: DocumentOperation; decision: Pick<RoutingDecision, 'controller' | 'writerOrganisation' | 'ruleId' | 'usageSituation'>; submissionId: string }): AuditEvent {
  const d = a.decision;
  return {
    organisation: d.controller,
    ...(d.writerOrganisation !== d.controller ? { actingOrganisation: d.writerOrganisation } : {}),
    action: 'intake-accepted',
    actor: tenantActor(a.tenant),
    documentId: a.meta.documentId,
    client: a.meta.client,
    details: { operation: a.operation, ruleId: d.ruleId, usage: d.usageSituation, submissionId: a.submissionId },
  };
}

/**
 * A refused submission whose header was read, so a client is concerned. Logged into the custodian's
 * chain when it is a configured organisation (it was asked to hold the data), else into the chain of
 * each organisation the tenant acts for. Returns [] when there is no header (nothing about a client).
 */
export function intakeRefusedEvents(a: { tenant: Pick<Tenant, 'id' | 'actsFor'>; meta?: Pick<DocumentMetadata, 'documentId' | 'client' | 'custodian'>; code: string; ruleId?: string; index: Pick<RoutingIndex, 'organisations'> }): AuditEvent[] {
  if (!a.meta) return [];
  const base = {
    action: 'intake-refused' as const,
    actor: tenantActor(a.tenant),
    documentId: a.meta.documentId,
    client: a.meta.client,
    code: a.code,
    ...(a.ruleId ? { details: { ruleId: a.ruleId } } : {}),
  };
  const custodian = a.meta.custodian;
  if (custodian && a.index.organisations.has(custodian)) {
    const acting = a.tenant.actsFor.map((x) => x.organisation);
    // The tenant's own organisation gets the copy when it wrote for one other registry.
    const own = acting.length === 1 && acting[0] !== custodian ? { actingOrganisation: acting[0]! } : {};
    return [{ organisation: custodian, ...own, ...base }];
  }
  return a.tenant.actsFor.map((x) => ({ organisation: x.organisation, ...base }));
}

/** GET /v1/documents/:id answered: a read of the document's processing data. */
export function statusReadEvent(a: { tenant: Pick<Tenant, 'id'>; record: DocumentRef & Pick<DocumentRecord, 'status'> }): AuditEvent {
  return aboutDocument(a.record, 'status-read', tenantActor(a.tenant), { details: { status: a.record.status } });
}

/** Pipeline onFinished: archived (a disclosure to Kanta), parked or rejected. Other statuses are not final. */
export function documentFinishedEvent(e: { record: DocumentRef & Pick<DocumentRecord, 'attempts'>; status: string; code?: string }): AuditEvent | undefined {
  if (e.status !== 'archived' && e.status !== 'parked' && e.status !== 'rejected') return undefined;
  return aboutDocument(e.record, e.status, { kind: 'system', id: 'pipeline' }, { ...(e.code ? { code: e.code } : {}), details: { attempts: e.record.attempts } });
}

/** One document put back on its way by an operator (POST /v1/ops/rerun); `record` read from the store. */
export function rerunEvent(a: { opsId: string; record: DocumentRef; run: number; previousCode?: string }): AuditEvent {
  return aboutDocument(a.record, 'rerun', { kind: 'ops', id: a.opsId }, { ...(a.previousCode ? { code: a.previousCode } : {}), details: { run: a.run } });
}

/** GET /v1/ops/documents/:id (or the console's document page) answered: an operator read the processing data. */
export function opsDocumentReadEvent(a: { opsId: string; record: DocumentRef & Pick<DocumentRecord, 'status'> }): AuditEvent {
  return aboutDocument(a.record, 'status-read', { kind: 'ops', id: a.opsId }, { details: { status: a.record.status } });
}

/** PUT /v1/registry-rights by the organizer. */
export function rightSetEvent(a: { tenant: Pick<Tenant, 'id'>; organizer: string; client: Client }): AuditEvent {
  return { organisation: a.organizer, action: 'right-set', actor: tenantActor(a.tenant), client: a.client };
}

/** Rights learned from an asiakkuusasiakirja (intake or a Kanta query on a miss); only when applied. */
export function rightLearnedEvent(a: { organizer: string; client: Client; documentId: string; source: 'intake' | 'kanta-query' }): AuditEvent {
  return { organisation: a.organizer, action: 'right-learned', actor: { kind: 'system', id: 'routing' }, documentId: a.documentId, client: a.client, details: { source: a.source } };
}

/** GET /v1/registry-rights answered: one event per organizer whose state was shown. */
export function rightReadEvent(a: { tenant: Pick<Tenant, 'id'>; organizer: string; client: Client; role: 'organizer' | 'provider'; readerOrganisation?: string }): AuditEvent {
  return {
    organisation: a.organizer,
    ...(a.readerOrganisation && a.readerOrganisation !== a.organizer ? { actingOrganisation: a.readerOrganisation } : {}),
    action: 'right-read',
    actor: tenantActor(a.tenant),
    client: a.client,
    details: { role: a.role },
  };
}

/** Operator actions that touch an organisation's processing: pausing or resuming a controller or a tenant. */
export function opsEvents(a: { opsId: string; operation: 'pause-controller' | 'resume-controller' | 'pause-tenant' | 'resume-tenant'; controller?: string; tenant?: Pick<Tenant, 'id' | 'actsFor'> }): AuditEvent[] {
  const actor = { kind: 'ops' as const, id: a.opsId };
  if (a.operation.endsWith('-controller')) {
    if (!a.controller) return [];
    return [{ organisation: a.controller, action: 'ops', actor, details: { operation: a.operation } }];
  }
  if (!a.tenant) return [];
  const tenantId = a.tenant.id;
  return a.tenant.actsFor.map((x) => ({ organisation: x.organisation, action: 'ops' as const, actor, details: { operation: a.operation, tenant: tenantId } }));
}

// --- query relay (gateway/query-relay/): the disclosure log entry (luovutusloki)

/** What a relayed "Hae asiakkuus" answer gave the tenant. */
export type DisclosureOutcome = 'found' | 'not-found' | 'not-permitted';

/**
 * One relayed "Hae asiakkuus" answer: the controller's registry disclosed (or refused to disclose) a
 * client's asiakkuusasiakirja to the asking unit. Into the controller's chain and, when a provider
 * asked, the provider's too. Who asked: tenant (actor), asking unit and its organisation, the acting
 * person as a pseudonym (`actingPersonKey`, the client-key function: a person id may be a hetu);
 * whose data: the client's pseudonym; which registry: the controller; when: the record's `at`.
 */
export function disclosureEvent(a: {
  tenant: Pick<Tenant, 'id'>;
  controller: string;
  askingOrganisation: string;
  askingUnit: string;
  client: Client;
  outcome: DisclosureOutcome;
  channel: 'rest' | 'kanta-native';
  /** The gateway's own query message id (root^extension) as sent to the archive. */
  queryMessageId: string;
  documentId?: string;
  actingPersonKey?: string;
}): AuditEvent {
  return {
    organisation: a.controller,
    ...(a.askingOrganisation !== a.controller ? { actingOrganisation: a.askingOrganisation } : {}),
    action: 'disclosure',
    actor: tenantActor(a.tenant),
    ...(a.documentId ? { documentId: a.documentId } : {}),
    client: a.client,
    code: a.outcome,
    details: {
      registry: a.controller,
      askingUnit: a.askingUnit,
      outcome: a.outcome,
      channel: a.channel,
      queryMessageId: a.queryMessageId,
      ...(a.actingPersonKey ? { actingPersonKey: a.actingPersonKey } : {}),
    },
  };
}

/**
 * A configuration reload (ops API or SIGHUP): it can change how every organisation's data is routed and
 * who may act for it, so it goes into the chain of every organisation in the old or the new version.
 */
export function configReloadEvents(a: { actor: { kind: 'ops' | 'system'; id: string }; organisations: Iterable<string>; fromVersion?: string; toVersion?: string; outcome: 'applied' | 'unchanged' | 'refused' }): AuditEvent[] {
  const details: AuditDetails = {
    operation: 'config-reload',
    outcome: a.outcome,
    ...(a.fromVersion ? { fromVersion: a.fromVersion } : {}),
    ...(a.toVersion ? { toVersion: a.toVersion } : {}),
  };
  return [...new Set(a.organisations)].sort().map((organisation) => ({ organisation, action: 'ops' as const, actor: a.actor, details }));
}
