// The rules of a JSON submission that span fields (the shape is json-document-schema.ts): the client's
// henkilötunnus, what an asiakkuusasiakirja must and must not carry, the guardian-consent rule for
// minors (domain.md "OmaKanta display rules"), the operation against `version`, and the XHTML view's root.
import { z } from 'zod';
import { OID_PATTERN } from '../../domain/values.ts';
import { CLIENT_RELATIONSHIP_GROUP } from '../../domain/document-header.ts';
import { HETU_PATTERN, isValidHetu } from '../cda/hetu.ts';
import { finnishDateOf } from '../cda/read-metadata.ts';
import { XHTML_ROOT_START } from '../cda/build-cda.ts';
import { hl7TimeOf } from '../cda/build-hl7-time.ts';
import { NS, attr, parseXmlSafely } from '../xml/safe-parse.ts';
import type { JsonDocumentSubmission } from './json-document-schema.ts';
import { issuesFromZod, type JsonIssue } from './json-document-issues.ts';

const CENTURY: Record<string, number> = { '+': 1800, '-': 1900, Y: 1900, X: 1900, W: 1900, V: 1900, U: 1900, A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000 };

/** Birth date (YYYY-MM-DD) a valid henkilötunnus encodes. */
export function birthDateOfHetu(hetu: string): string | undefined {
  const m = HETU_PATTERN.exec(hetu);
  const century = m ? CENTURY[m[4]!] : undefined;
  if (!m || century === undefined) return undefined;
  return `${century + Number(m[3])}-${m[2]}-${m[1]}`;
}

/** Under 18 on the document date (both Finnish calendar dates). */
export function isMinorOn(birthDate: string, documentDate: string): boolean {
  const adult = `${String(Number(birthDate.slice(0, 4)) + 18).padStart(4, '0')}${birthDate.slice(4)}`;
  return documentDate < adult;
}

const DATE_OR_TIME = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
const UnitCode = z.looseObject({ code: z.string().regex(OID_PATTERN, 'must be a service unit OID') });

/** The registry-use right entries (gateway/routing/extract-rights.ts reads the same shape). */
const ClientRelationshipBody = z.looseObject({
  asiakkuusasiakirja: z.looseObject({
    sosiaalihuollon_palvelutehtava: z
      .array(
        z.looseObject({
          palvelutehtava: z.looseObject({ code: z.string().regex(/^\d+$/, 'must be a numeric service task code') }),
          palveluntuottaja: z
            .array(
              z
                .looseObject({ palveluyksikon_nimi: UnitCode, asiakkuuden_alkamispvm: DATE_OR_TIME, asiakkuuden_paattymispvm: DATE_OR_TIME.nullable().optional() })
                .refine((p) => p.asiakkuuden_paattymispvm == null || p.asiakkuuden_paattymispvm.slice(0, 10) >= p.asiakkuuden_alkamispvm.slice(0, 10), {
                  message: 'is before asiakkuuden_alkamispvm',
                  path: ['asiakkuuden_paattymispvm'],
                  params: { code: 'end_before_start' },
                }),
            )
            .optional(),
        }),
      )
      .optional(),
  }),
});

function xhtmlIssues(xhtml: string): JsonIssue[] {
  const at = '$.body.xhtml';
  let root: Element | null;
  try {
    root = parseXmlSafely(xhtml).documentElement;
  } catch (err) {
    const dtd = (err as { code?: string }).code === 'INTAKE_DTD_FORBIDDEN';
    return [{ path: at, reason: dtd ? 'DOCTYPE, DTD and entity declarations are not accepted' : 'is not well-formed XML', code: dtd ? 'dtd_forbidden' : 'malformed_xhtml' }];
  }
  if (!root || root.namespaceURI !== NS.xhtml || root.localName !== 'div' || root.prefix) {
    return [{ path: at, reason: 'the root must be an unprefixed <div> in the XHTML namespace (xmlns="http://www.w3.org/1999/xhtml")', code: 'invalid_xhtml_root' }];
  }
  if (!XHTML_ROOT_START.test(xhtml)) return [{ path: at, reason: 'must begin with the root <div> (only an XML declaration, comments and whitespace may precede it)', code: 'invalid_xhtml_root' }];
  if (attr(root, 'id') !== undefined) return [{ path: at, reason: 'the root div must have no id: the gateway sets it to "OID" + the document id it mints', code: 'id_set_by_gateway' }];
  return [];
}

export function submissionIssues(s: JsonDocumentSubmission, requestedOperation: string | undefined): JsonIssue[] {
  const issues: JsonIssue[] = [];
  const hetuValid = isValidHetu(s.client.hetu);
  if (!hetuValid) issues.push({ path: '$.client.hetu', reason: 'is not a henkilötunnus with a valid checksum', code: 'invalid_hetu' });

  const isClientRelationship = s.documentGroup.code === CLIENT_RELATIONSHIP_GROUP;
  if (isClientRelationship && s.documentType) issues.push({ path: '$.documentType', reason: 'an asiakkuusasiakirja has no asiakasasiakirjatyyppi (written as nullFlavor NA)', code: 'not_for_client_relationship' });
  if (!isClientRelationship && !s.documentType) issues.push({ path: '$.documentType', reason: 'is required for every document but an asiakkuusasiakirja', code: 'required' });
  if (isClientRelationship) {
    const parsed = ClientRelationshipBody.safeParse(s.body.json);
    if (!parsed.success) issues.push(...issuesFromZod(parsed.error).map((i) => ({ ...i, path: i.path.replace(/^\$/, '$.body.json') })));
    const person = (s.body.json as { asiakkuusasiakirja?: { asiakas?: { henkilotunnus?: { value?: unknown } } } }).asiakkuusasiakirja?.asiakas?.henkilotunnus?.value;
    if (person !== undefined && person !== s.client.hetu) issues.push({ path: '$.body.json.asiakkuusasiakirja.asiakas.henkilotunnus.value', reason: 'differs from client.hetu', code: 'hetu_mismatch' });
  }

  if (hetuValid && !s.guardianConsent) {
    const born = birthDateOfHetu(s.client.hetu);
    if (born && isMinorOn(born, finnishDateOf(hl7TimeOf(s.effectiveTime)))) {
      issues.push({ path: '$.guardianConsent', reason: 'the client is a minor on the document date: say whether the document may be disclosed to the guardians', code: 'required_for_minor' });
    }
  }

  const op = requestedOperation?.trim().toLowerCase();
  if ((op === 'version' || op === 'void') && !s.version) issues.push({ path: '$.version', reason: `a ${op} names the set, the version it replaces and its versionNumber`, code: 'required' });
  if (op === 'archive' && s.version) issues.push({ path: '$.version', reason: 'a new document (archive) has no version; send it as Kanta-Operation: version', code: 'not_for_archive' });

  issues.push(...xhtmlIssues(s.body.xhtml));
  return issues;
}
