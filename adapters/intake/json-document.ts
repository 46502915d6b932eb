// Intake format "JSON document": metadata + XHTML view + structured JSON (json-document-schema.ts). The
// body arrives already read within the configured size limit. Translation only: validate (every field
// problem at once, with its JSON path), mint the document id under the writing organisation's arc,
// build the CDA R2 (adapters/cda/build-cda.ts) and read its header back with the same reader CDA
// intake uses, so from here on a JSON document is indistinguishable from a CDA submission.
import type { Config, Tenant } from '../../config/schema.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { buildCda, type MintedIds, type SoftwareSupport } from '../cda/build-cda.ts';
import { readDocumentMetadata } from '../cda/read-metadata.ts';
import { parseXmlSafely } from '../xml/safe-parse.ts';
import { invalidJson, issuesFromZod } from './json-document-issues.ts';
import { submissionIssues } from './json-document-rules.ts';
import { JsonDocumentSubmissionSchema, type JsonDocumentSubmission } from './json-document-schema.ts';

export const JSON_DOCUMENT_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

export interface MintRequest {
  /** The writing organisation (its counter). */
  organisation: string;
  arc: string;
  tenant: string;
  /** The client's idempotency key: the same key gets the same id again. */
  submissionKey?: string;
}

export interface DocumentIdMinter {
  mint(req: MintRequest): Promise<string>;
}

export interface JsonDocumentDeps {
  minter: DocumentIdMinter;
  /** Current configuration: organisations (arcs, names) and service units (owners, names). */
  directory: () => Pick<Config, 'organisations' | 'serviceUnits'>;
  software?: SoftwareSupport;
}

export interface JsonDocumentInput {
  body: Buffer;
  tenant: Tenant;
  requestedOperation?: string;
}

export const GATEWAY_SOFTWARE: SoftwareSupport = { moderator: 'kanta-gateway', product: 'kanta-gateway JSON intake', version: '1' };

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    // The parser's message quotes the input: only the position is passed on.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw invalidJson([{ path: '$', reason: `the body is not valid JSON${at ? ` (at character ${at})` : ''}`, code: 'invalid_json' }]);
  }
}

/**
 * Whose arc mints the id: the organisation owning the service unit, when the tenant acts for it; or
 * the custodian, when the tenant acts for it (an organizer versioning a provider's document, seed 004
 * §4.1). Otherwise the same refusal routing would give: a tenant never mints under another's arc.
 */
function writerOf(s: JsonDocumentSubmission, tenant: Tenant, directory: Pick<Config, 'organisations' | 'serviceUnits'>) {
  const unit = directory.serviceUnits.find((u) => u.oid === s.serviceUnit);
  if (!unit) throw new GatewayError('ROUTE_UNKNOWN_SERVICE_UNIT', `Service unit ${s.serviceUnit} is not in the configured SOTE register extract`, { ruleId: 'R-UNIT-KNOWN', details: { serviceUnit: s.serviceUnit } });
  const actsFor = new Set(tenant.actsFor.map((a) => a.organisation));
  const custodian = s.custodian ?? s.organizer;
  const writer = actsFor.has(unit.organisation) ? unit.organisation : s.version && actsFor.has(custodian) ? custodian : undefined;
  if (!writer) {
    throw new GatewayError('ROUTE_UNIT_NOT_OWNED', `Service unit ${unit.oid} belongs to ${unit.organisation}, which tenant ${tenant.id} does not act for`, {
      ruleId: 'R-UNIT-OWNED',
      details: { serviceUnit: unit.oid, unitOrganisation: unit.organisation },
    });
  }
  const org = directory.organisations.find((o) => o.oid === writer);
  if (!org?.documentOidArc) throw new GatewayError('INTAKE_NO_OID_ARC', undefined, { details: { organisation: writer } });
  return { organisation: writer, arc: org.documentOidArc, unitName: unit.name };
}

/** Validates a submission without minting: the parsed value, or INTAKE_INVALID_JSON with every issue. */
export function validateJsonSubmission(raw: unknown, requestedOperation?: string): JsonDocumentSubmission {
  const parsed = JsonDocumentSubmissionSchema.safeParse(raw);
  if (!parsed.success) throw invalidJson(issuesFromZod(parsed.error));
  const issues = submissionIssues(parsed.data, requestedOperation);
  if (issues.length > 0) throw invalidJson(issues);
  return parsed.data;
}

export async function readJsonDocument(input: JsonDocumentInput, deps: JsonDocumentDeps): Promise<ParsedDocument> {
  if (input.body.length === 0) throw new GatewayError('INTAKE_EMPTY_BODY');
  const s = validateJsonSubmission(parseJson(input.body), input.requestedOperation);
  const directory = deps.directory();
  const writer = writerOf(s, input.tenant, directory);

  const documentId = await deps.minter.mint({ organisation: writer.organisation, arc: writer.arc, tenant: input.tenant.id, ...(s.submissionKey !== undefined ? { submissionKey: s.submissionKey } : {}) });
  const ids: MintedIds = s.version
    ? { documentId, setId: s.version.setId, versionNumber: s.version.versionNumber, parent: { id: s.version.parentId, setId: s.version.setId, versionNumber: s.version.versionNumber - 1 } }
    : { documentId, setId: documentId, versionNumber: 1 };
  const nameOf = (oid: string) => directory.organisations.find((o) => o.oid === oid)?.name;
  const custodianName = nameOf(s.custodian ?? s.organizer);
  const organizerName = nameOf(s.organizer);
  const cda = buildCda({
    submission: s,
    ids,
    names: { ...(custodianName !== undefined ? { custodian: custodianName } : {}), ...(organizerName !== undefined ? { organizer: organizerName } : {}), ...(writer.unitName !== undefined ? { serviceUnit: writer.unitName } : {}) },
    software: deps.software ?? GATEWAY_SOFTWARE,
  });
  const header = readDocumentMetadata(parseXmlSafely(cda.toString('utf8')));
  return {
    format: 'json',
    cda,
    header,
    ...(header.documentGroup === CLIENT_RELATIONSHIP_GROUP ? { clientRelationshipJson: s.body.json } : {}),
    ...(input.requestedOperation !== undefined ? { requestedOperation: input.requestedOperation } : {}),
  };
}
