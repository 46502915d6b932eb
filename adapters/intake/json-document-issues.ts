// Field-level refusals of a JSON submission: every problem as { path, reason, code }, path a JSON path
// from the submission root ($.client.hetu, $.body.json.asiakkuusasiakirja.…[0].…). Reasons never quote
// the submitted value (it may be a henkilötunnus).
import type { z } from 'zod';
import { GatewayError } from '../../domain/errors.ts';

export interface JsonIssue {
  path: string;
  reason: string;
  code: string;
}

export function jsonPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments.reduce<string>((acc, s) => {
    if (typeof s === 'number') return `${acc}[${s}]`;
    const key = String(s);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${acc}.${key}` : `${acc}[${JSON.stringify(key)}]`;
  }, '$');
}

/** zod issues → JSON issues; an unknown key is reported at the key itself. */
export function issuesFromZod(error: z.ZodError): JsonIssue[] {
  return error.issues.flatMap((i): JsonIssue[] => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: jsonPath([...i.path, k]), reason: 'is not a field of this submission', code: 'unrecognized_key' }));
    if (i.code === 'invalid_type' && /received undefined$/.test(i.message)) return [{ path: jsonPath(i.path), reason: 'is required', code: 'required' }];
    if (i.code === 'invalid_union') return [{ path: jsonPath(i.path), reason: 'matches none of the allowed forms', code: 'invalid_union' }];
    const code = i.code === 'custom' ? String((i.params as { code?: unknown } | undefined)?.code ?? 'invalid') : i.code;
    return [{ path: jsonPath(i.path), reason: i.message, code }];
  });
}

export function invalidJson(issues: JsonIssue[]): GatewayError {
  const first = issues[0];
  const message = first ? `${first.path}: ${first.reason}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}` : undefined;
  return new GatewayError('INTAKE_INVALID_JSON', message, { details: { issues } });
}
