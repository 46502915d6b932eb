// The routing decision (issue #4): whose registry a document belongs to and whether this tenant may
// write it there. Pure: everything it needs comes in (the configuration as an index, the right state
// read by the caller, the clock as `now`), so the same inputs always give the same answer and the dry
// run can replay it against a candidate configuration. Rules are in gateway/routing/rules.ts and
// docs/routing.md; each refusal names its rule.
import type { Tenant } from '../../config/schema.ts';
import type { DocumentMetadata, DocumentOperation } from '../../domain/document-header.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { ERROR_CATALOGUE } from '../../domain/errors.ts';
import type { RuleId } from './rules.ts';
import { RULES } from './rules.ts';
import { contractKey, type RoutingIndex } from './index-build.ts';
import { finnishDate, withinDays } from './finnish-date.ts';
import { missesGuardianConsent } from './minor-consent.ts';
import type { ParentRecord, RightEntry, RightPeriod, RightSnapshot, RoutingDecision, RoutingMeta, RoutingOutcome, RoutingRejection } from './types.ts';

export interface DecideInput {
  index: RoutingIndex;
  /** Only the id is read: the tenant is taken from the index, so a replay sees the candidate's view of it. */
  tenant: Pick<Tenant, 'id'>;
  /** The header fields routing reads; the minors rule also reads the hetu's birth date and the consent codes when given. */
  meta: RoutingMeta & Partial<Pick<DocumentMetadata, 'clientBirthDate' | 'guardianConsentCodes'>>;
  operation: DocumentOperation;
  /** Current right state for (custodian, client), as the right store returns it. */
  rights: RightSnapshot | undefined;
  /** Stored record of the parent document (version/void), when the gateway has one. */
  parent?: ParentRecord;
  now: Date;
}

function refuse(index: RoutingIndex, ruleId: RuleId, message: string, details?: Record<string, unknown>): RoutingRejection {
  const code = (RULES[ruleId] as { refusal?: RoutingRejection['code'] }).refusal ?? 'INTERNAL';
  const r: RoutingRejection = { accepted: false, code, ruleId, message: message || ERROR_CATALOGUE[code].message, configVersion: index.configVersion };
  if (details) r.details = details;
  return r;
}

export function decide(input: DecideInput): RoutingOutcome {
  const { index, meta, operation, rights, parent } = input;

  // Always the tenant as this configuration version knows it: the dry run replays old requests
  // against a candidate where the tenant may act for other organisations.
  const tenant = index.tenants.get(input.tenant.id);
  const actsFor = index.actsForByTenant.get(input.tenant.id);
  if (!tenant || !actsFor) return refuse(index, 'R-TENANT-KNOWN', `Tenant ${input.tenant.id} is not in configuration ${index.configVersion}`, { tenant: input.tenant.id });

  const minor = missesGuardianConsent(meta, operation);
  if (minor) {
    return refuse(index, 'R-MINOR-GUARDIAN-CONSENT', `The client is ${minor.age} on the document date ${meta.documentDate}; the document must carry a guardian-consent code`, {
      field: 'authorization/consent/code',
      codeSystem: '1.2.246.537.6.1286.201901',
      documentDate: meta.documentDate,
    });
  }

  const unitOid = meta.serviceUnit;
  const unit = unitOid === undefined ? undefined : index.units.get(unitOid);
  if (!unit) {
    return unitOid === undefined
      ? refuse(index, 'R-UNIT-KNOWN', 'The document names no service unit (encounterParticipant ADM)', { serviceUnit: null })
      : refuse(index, 'R-UNIT-KNOWN', `Service unit ${unitOid} is not in the configured SOTE register extract`, { serviceUnit: unitOid });
  }

  const custodian = meta.custodian;
  const changesExisting = operation === 'version' || operation === 'void';
  let writer = unit.organisation;
  let organizerVersioning = false;
  if (!actsFor.has(writer)) {
    // Seed 004 §4.1: after the right has ended the organizer versions and voids the provider's
    // documents; such a document still names the provider's unit.
    if (changesExisting && parent && parent.controller === custodian && actsFor.has(custodian) && parent.writerOrganisation === writer) {
      writer = custodian;
      organizerVersioning = true;
    } else {
      return refuse(index, 'R-UNIT-OWNED', `Service unit ${unit.oid} belongs to ${unit.organisation}, which tenant ${tenant.id} does not act for`, {
        serviceUnit: unit.oid,
        unitOrganisation: unit.organisation,
      });
    }
  }

  if (!index.organisations.has(custodian)) return refuse(index, 'R-CUSTODIAN-KNOWN', `Custodian ${custodian} is not a configured organisation`, { custodian });

  if (changesExisting && parent && parent.controller !== custodian) {
    return refuse(index, 'R-PARENT-SAME-REGISTRY', `The parent document is in ${parent.controller}'s registry, not ${custodian}'s`, {
      custodian,
      parentController: parent.controller,
    });
  }

  const joining = actsFor.get(writer)!.joining;
  if (joining.model === 'parallel' && custodian !== joining.organizer) {
    return refuse(index, 'R-PARALLEL-ONE-ORGANIZER', `${writer} joined in parallel through ${joining.organizer} and may write only into that registry`, {
      writer,
      organizer: joining.organizer,
      custodian,
    });
  }
  if (joining.model === 'joint' && custodian !== writer && index.jointGroupOf.get(custodian) === joining.mainJoiner) {
    return refuse(index, 'R-JOINT-NO-CO-JOINER-REGISTRY', `${custodian} is another member of ${writer}'s joint joining group`, {
      writer,
      mainJoiner: joining.mainJoiner,
      custodian,
    });
  }

  if (!index.accessPoints.has(tenant.accessPoint)) return refuse(index, 'R-ACCESS-POINT', `Access point ${tenant.accessPoint} is not configured`, { accessPoint: tenant.accessPoint });
  if (!index.signingIdentities.has(tenant.signingIdentity)) {
    return refuse(index, 'R-SIGNING-IDENTITY', `Signing identity ${tenant.signingIdentity} is not configured`, { signingIdentity: tenant.signingIdentity });
  }

  const accept = (registry: RoutingDecision['registry'], ruleId: RuleId, explanation: string, contractId?: string, right?: RightEntry): RoutingDecision => {
    // Built field by field: one object shape for every decision (object spread here cost microseconds).
    const d: RoutingDecision = {
      accepted: true,
      controller: custodian,
      registry,
      writerOrganisation: writer,
      accessPoint: tenant.accessPoint,
      signingIdentity: tenant.signingIdentity,
      usageSituation: registry === 'own' ? 'ownUse' : 'registryRight',
      ruleId,
      explanation,
      configVersion: index.configVersion,
    };
    if (contractId !== undefined) d.contractId = contractId;
    if (right !== undefined) d.right = right;
    return d;
  };

  if (custodian === writer) {
    return organizerVersioning
      ? accept('own', 'R-ORGANIZER-VERSIONS-PROVIDER-DOC', `Organizer ${custodian} ${operation}s a document unit ${unit.oid} of ${unit.organisation} wrote into its registry`)
      : accept('own', 'R-OWN-REGISTRY', `Own services: ${writer} writes into its own registry`);
  }

  // From here on a provider (writer) writes into another organisation's registry.
  if (!index.organizers.has(custodian)) {
    return refuse(index, 'R-CUSTODIAN-IS-ORGANIZER', `${custodian} is neither the writer ${writer} nor an organizer in any contract`, { custodian, writer });
  }
  const named = meta.outsourcingServiceCustomer;
  if (named !== undefined && named !== custodian) {
    return refuse(index, 'R-ORGANIZER-MATCHES-CUSTODIAN', `outsourcingServiceCustomer ${named} differs from the custodian ${custodian}`, {
      outsourcingServiceCustomer: named,
      custodian,
    });
  }
  const task = meta.functionCode;
  if (task === undefined) return refuse(index, 'R-FUNCTION-CODE', 'A document for an organizer\'s registry must name its service task (functionCode)', { field: 'functionCode' });

  const date = meta.documentDate;
  const contract = index.contracts
    .get(contractKey(custodian, writer))
    ?.find((c) => c.serviceTasks.includes(task) && withinDays(date, c.validFrom, c.validTo));
  if (!contract) {
    return refuse(index, 'R-CONTRACT', `No contract ${custodian} → ${writer} covers service task ${task} on ${date}`, {
      organizer: custodian,
      provider: writer,
      functionCode: task,
      documentDate: date,
    });
  }

  const organizerOnly = index.organizerOnlyGroups.has(meta.documentGroup);
  if (organizerOnly && !contract.broadRight) {
    const what = meta.documentGroup === CLIENT_RELATIONSHIP_GROUP ? 'a client-relationship document (group 1)' : `a case document (group ${meta.documentGroup})`;
    return refuse(index, 'R-PROVIDER-NO-CLIENT-RELATIONSHIP', `Provider ${writer} may not write ${what} into ${custodian}'s registry without a broad right`, {
      documentGroup: meta.documentGroup,
      contractId: contract.id,
    });
  }

  if (changesExisting && parent && parent.writerOrganisation !== writer) {
    return refuse(index, 'R-PARENT-WRITER', `Provider ${writer} may not ${operation} a document ${parent.writerOrganisation} wrote`, {
      writer,
      parentWriter: parent.writerOrganisation,
    });
  }

  if (organizerOnly) {
    return accept('organizer', 'R-BROAD-RIGHT', `Broad right under contract ${contract.id}: ${writer} writes group ${meta.documentGroup} documentation for ${custodian}`, contract.id);
  }

  const periods = rights && rights.organizer === custodian ? unitPeriods(rights.entries[task], unit.oid) : undefined;
  if (!periods) {
    return refuse(index, 'R-RIGHT-LISTED', `${custodian}'s client-relationship state lists no right for unit ${unit.oid} under service task ${task}`, {
      organizer: custodian,
      serviceUnit: unit.oid,
      functionCode: task,
      rightState: rights ? rightSourceRef(rights) : null,
    });
  }
  const covering = periods.find((p) => withinDays(date, p.start, p.end));
  if (!covering) {
    return refuse(index, 'R-RIGHT-DATE', `Document date ${date} lies outside unit ${unit.oid}'s right periods`, {
      documentDate: date,
      periods: periods.map((p) => ({ start: p.start, end: p.end ?? null })),
    });
  }
  let used: RightPeriod = covering;
  if (changesExisting) {
    const today = finnishDate(input.now);
    const valid = withinDays(today, covering.start, covering.end) ? covering : periods.find((p) => withinDays(today, p.start, p.end));
    if (!valid) {
      return refuse(index, 'R-RIGHT-ENDED-VERSION', `Unit ${unit.oid}'s right is not valid today (${today}); only the organizer ${custodian} may ${operation} the document now`, {
        today,
        periods: periods.map((p) => ({ start: p.start, end: p.end ?? null })),
      });
    }
    used = valid;
  }

  const right: RightEntry = used.end === undefined ? { task, unit: used.unit, start: used.start } : { task, unit: used.unit, start: used.start, end: used.end };
  return accept(
    'organizer',
    'R-REGISTRY-RIGHT',
    `Registry right: unit ${unit.oid} of ${writer} under contract ${contract.id}, task ${task}, right ${used.start}…${used.end ?? 'open'}`,
    contract.id,
    right,
  );
}

/** The unit's periods under one task, or undefined when the unit is not listed. */
function unitPeriods(list: readonly RightPeriod[] | undefined, unit: string): RightPeriod[] | undefined {
  if (!list) return undefined;
  let out: RightPeriod[] | undefined;
  for (const p of list) {
    if (p.unit === unit) (out ??= []).push(p);
  }
  return out;
}

function rightSourceRef(s: RightSnapshot): Record<string, unknown> {
  return s.source.kind === 'document'
    ? { source: 'document', documentId: s.source.documentId, versionNumber: s.source.versionNumber, effectiveAt: s.effectiveAt }
    : { source: 'api', effectiveAt: s.effectiveAt };
}
