// Which clients an access point's environment accepts. Kanta's customer-test environment takes test
// persons only — hetus with individual number 900–999 (kanta.md §5, check 5) — so a real person's code
// must never leave the gateway towards it; the archive double checking this too is not enough, the
// gateway must hold the line itself. Production may be told to refuse test persons ([A]:
// docs/kanta-binding.md). Runs before routing decides, so a refusal stores nothing.
import { HETU_PATTERN } from '../../adapters/cda/hetu.ts';
import type { AccessPoint } from '../../config/schema.ts';
import type { DocumentMetadata } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';

/** recordTarget/patientRole/id/@root of a henkilötunnus. */
const HETU_ROOT = '1.2.246.21';
const TEST_PERSON_MIN = 900;

export type TestPersonRule = 'only' | 'refuse' | 'any';

export function environmentOf(ap: Pick<AccessPoint, 'environment' | 'processingCode'>): 'production' | 'customer-test' {
  return ap.environment ?? (ap.processingCode === 'P' ? 'production' : 'customer-test');
}

export function testPersonRuleOf(ap: Pick<AccessPoint, 'environment' | 'processingCode' | 'testPersons'>): TestPersonRule {
  return ap.testPersons ?? (environmentOf(ap) === 'customer-test' ? 'only' : 'any');
}

/** Throws INTAKE_TEST_PERSON_REQUIRED / INTAKE_TEST_PERSON_REFUSED; never puts the hetu in the error. */
export function checkTestPerson(header: Pick<DocumentMetadata, 'client'>, ap: Pick<AccessPoint, 'id' | 'environment' | 'processingCode' | 'testPersons'>): void {
  const rule = testPersonRuleOf(ap);
  if (rule === 'any' || header.client.root !== HETU_ROOT) return;
  const m = HETU_PATTERN.exec(header.client.extension ?? '');
  // A malformed hetu was already refused by its checksum (INTAKE_INVALID_HETU); treat it as a real person.
  const isTestPerson = !!m && Number(m[5]) >= TEST_PERSON_MIN;
  if (rule === 'only' && !isTestPerson) throw new GatewayError('INTAKE_TEST_PERSON_REQUIRED', undefined, { details: { accessPoint: ap.id } });
  if (rule === 'refuse' && isTestPerson) throw new GatewayError('INTAKE_TEST_PERSON_REFUSED', undefined, { details: { accessPoint: ap.id } });
}
