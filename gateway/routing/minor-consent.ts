// The minors rule (domain.md "OmaKanta display rules", seed 004 §4.2): for a client under 18 every
// document must say whether it may be shown to the guardians, CDA authorization/consent with a code
// of 1.2.246.537.6.1286.201901. Pure: the birth date comes from the hetu (read at intake), the age is
// counted on the document date (already the Finnish calendar date of effectiveTime).
import type { DocumentOperation } from '../../domain/document-header.ts';

export const ADULT_AGE = 18;

export interface MinorConsentInput {
  /** YYYY-MM-DD from the hetu; absent for temporary ids, which the rule cannot judge. */
  clientBirthDate?: string | undefined;
  /** Finnish calendar date of the document, YYYY-MM-DD. */
  documentDate: string;
  guardianConsentCodes?: readonly string[] | undefined;
}

/** Full years on `date`; a birthday counts from its own day, 29 February from 1 March in common years. */
export function ageOnDate(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * Whether the document lacks the guardian-consent code it needs. A void only closes a set: it is not
 * held to the rule, so documents archived before the rule can still be voided.
 */
export function missesGuardianConsent(input: MinorConsentInput, operation: DocumentOperation): { age: number } | undefined {
  if (operation === 'void' || input.clientBirthDate === undefined) return undefined;
  const age = ageOnDate(input.clientBirthDate, input.documentDate);
  if (age >= ADULT_AGE) return undefined;
  return input.guardianConsentCodes && input.guardianConsentCodes.length > 0 ? undefined : { age };
}
