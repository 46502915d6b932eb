// `kanta-gateway audit verify --segments DIR [--organisation OID] [--redis-url URL --prefix P]`: checks
// the sealed usage log on disk (verify-segments.ts) and, given Redis, the chain into its live part and
// the manifest head Redis recorded. Prints a JSON report; exit 0 only when every organisation verifies,
// 1 when one does not (or the directory cannot be read), 2 on a usage mistake.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { auditKeys } from './audit-keys.ts';
import type { CommandResult } from './commands.ts';
import { segmentOrganisations, verifyOrganisationSegments, type LiveChain, type OrganisationVerification } from './verify-segments.ts';

export const AUDIT_VERIFY_SEGMENTS_USAGE = 'audit verify --segments DIR [--organisation OID] [--redis-url URL [--prefix PREFIX]]';

const usage = (message: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `${message}\nusage: kanta-gateway ${AUDIT_VERIFY_SEGMENTS_USAGE}\n` });

async function liveChain(redis: Redis, prefix: string, org: string): Promise<LiveChain> {
  const keys = auditKeys(prefix, org);
  const [head, sealed] = await Promise.all([redis.hmget(keys.head, 'seq', 'digest'), redis.hgetall(keys.sealed)]);
  const lines: string[] = [];
  let from = '-';
  for (;;) {
    const page = await redis.xrange(keys.stream, from, '+', 'COUNT', 1000);
    for (const [, fields] of page) lines.push(fields[fields.indexOf('r') + 1] ?? '');
    if (page.length < 1000) break;
    from = `(${page[page.length - 1]![0]}`;
  }
  return {
    lines,
    ...(head[0] && head[1] ? { head: { seq: Number(head[0]), digest: head[1] } } : {}),
    ...(sealed.seq ? { sealed: { seq: Number(sealed.seq), digest: sealed.digest ?? '', manifestDigest: sealed.manifestDigest ?? '' } } : {}),
  };
}

export async function auditVerifySegmentsCommand(args: string[]): Promise<CommandResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: { segments: { type: 'string' }, organisation: { type: 'string' }, 'redis-url': { type: 'string' }, prefix: { type: 'string' } },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values } = parsed;
  if (!values.segments) return usage('--segments needs the segments directory (config audit.segments.dir)');
  if (values.prefix && !values['redis-url']) return usage('--prefix needs --redis-url');
  if (values.organisation !== undefined && !/^\d+(\.\d+)+$/.test(values.organisation)) return usage('--organisation must be an OID');
  const root = path.resolve(values.segments);
  let organisations: string[];
  try {
    organisations = values.organisation ? [values.organisation] : await segmentOrganisations(root);
  } catch (err) {
    return { exitCode: 1, stdout: '', stderr: `cannot read ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n` };
  }
  const redis = values['redis-url'] ? new Redis(values['redis-url'], { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
  const results: OrganisationVerification[] = [];
  try {
    if (redis) await redis.connect();
    for (const org of organisations) {
      const live = redis ? await liveChain(redis, values.prefix ?? 'kgw', org) : undefined;
      results.push(await verifyOrganisationSegments(path.join(root, org), org, live));
    }
  } catch (err) {
    return { exitCode: 1, stdout: '', stderr: `verification could not run: ${(err as Error).message}\n` };
  } finally {
    redis?.disconnect();
  }
  const valid = results.length > 0 && results.every((r) => r.valid);
  const report = { segments: root, valid, ...(organisations.length === 0 ? { reason: 'no organisation directories found' } : {}), organisations: results };
  return { exitCode: valid ? 0 : 1, stdout: `${JSON.stringify(report, null, 2)}\n`, stderr: '' };
}
