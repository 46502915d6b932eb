// The certificate commands of the kanta-gateway CLI as pure-ish functions returning
// {exitCode, stdout, stderr}: bin/ wires them to argv and the process. They read and write only the
// files named in their arguments.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorCodeOf } from '../domain/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { CertificateSource } from '../config/schema.ts';
import { loadCredential, type Credential } from './credential.ts';
import { pickNewestValid, reportFor, type IdentityReport } from './keystore.ts';
import type { CredentialUsage } from './certificate-checks.ts';
import { signSystem } from './system-signer.ts';
import { verifyDocumentSignatures } from './verify.ts';
import { DEFAULT_TEST_ACCESS_POINTS, DEFAULT_TEST_ORGANISATIONS, initTestPki } from './test-pki.ts';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
const usageError = (message: string, usage: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `${message}\nusage: ${usage}\n` });
const failure = (err: unknown): CommandResult => ({
  exitCode: 1,
  stdout: '',
  stderr: `${errorCodeOf(err) ?? 'ERROR'}: ${(err as Error)?.message ?? String(err)}\n`,
});

interface ParsedArgs {
  positional: string[];
  flags: Map<string, string>;
}

function parseArgs(args: readonly string[], known: readonly string[], booleans: readonly string[] = []): ParsedArgs | string {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!known.includes(name) && !booleans.includes(name)) return `unknown option --${name}`;
    if (booleans.includes(name)) {
      flags.set(name, 'true');
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return `--${name} needs a value`;
    flags.set(name, value);
  }
  return { positional, flags };
}

const INIT_USAGE = 'certs init-test-pki DIR [--orgs OID=Name,...] [--access-points ID=SENDER_OID,...] [--bits 2048|4096] [--extras]';

export async function initTestPkiCommand(args: readonly string[]): Promise<CommandResult> {
  const parsed = parseArgs(args, ['orgs', 'access-points', 'bits'], ['extras']);
  if (typeof parsed === 'string') return usageError(parsed, INIT_USAGE);
  const [dir, ...rest] = parsed.positional;
  if (!dir || rest.length > 0) return usageError('give exactly one directory', INIT_USAGE);
  const bits = Number(parsed.flags.get('bits') ?? 2048);
  if (bits !== 2048 && bits !== 4096) return usageError('--bits must be 2048 or 4096', INIT_USAGE);
  const pairs = (text: string | undefined, what: string) =>
    text === undefined
      ? undefined
      : text.split(',').map((item) => {
          const at = item.indexOf('=');
          if (at <= 0 || at === item.length - 1) throw new Error(`${what} entries look like KEY=VALUE, got "${item}"`);
          return [item.slice(0, at).trim(), item.slice(at + 1).trim()] as const;
        });
  let organisations = DEFAULT_TEST_ORGANISATIONS;
  let accessPoints = DEFAULT_TEST_ACCESS_POINTS;
  try {
    organisations = pairs(parsed.flags.get('orgs'), '--orgs')?.map(([oid, name]) => ({ oid, name })) ?? organisations;
    accessPoints = pairs(parsed.flags.get('access-points'), '--access-points')?.map(([id, senderId]) => ({ id, senderId })) ?? accessPoints;
  } catch (err) {
    return usageError((err as Error).message, INIT_USAGE);
  }
  try {
    const manifest = await initTestPki(path.resolve(dir), { organisations, accessPoints, bits, extras: parsed.flags.has('extras') });
    return ok(`${JSON.stringify(manifest, null, 2)}\n`);
  } catch (err) {
    return failure(err);
  }
}

const SIGN_USAGE = 'sign IN --key KEY.pem --cert CERT.pem [--key-password-env VAR] [--out FILE]';

export function signCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandResult {
  const parsed = parseArgs(args, ['key', 'cert', 'out', 'key-password-env']);
  if (typeof parsed === 'string') return usageError(parsed, SIGN_USAGE);
  const [input, ...rest] = parsed.positional;
  const keyFile = parsed.flags.get('key');
  const certFile = parsed.flags.get('cert');
  if (!input || rest.length > 0 || !keyFile || !certFile) return usageError('give IN, --key and --cert', SIGN_USAGE);
  try {
    const passwordEnv = parsed.flags.get('key-password-env');
    const cred = loadCredential({ certFile, keyFile, ...(passwordEnv ? { keyPasswordEnv: passwordEnv } : {}) }, env, { usage: 'system-signature' });
    const { signedXml, receipt } = signSystem(readFileSync(input, 'utf8'), cred, {
      selfCheck: (xml, signatureId) => verifyDocumentSignatures(xml, { onlySignatureId: signatureId }),
    });
    const out = parsed.flags.get('out');
    if (!out) return ok(signedXml);
    writeFileSync(out, signedXml);
    return ok(`${JSON.stringify(receipt, null, 2)}\n`);
  } catch (err) {
    return failure(err);
  }
}

const VERIFY_USAGE = 'verify IN [--ca CA.pem] [--expect-org OID] [--require-system]';

export function verifyCommand(args: readonly string[]): CommandResult {
  const parsed = parseArgs(args, ['ca', 'expect-org'], ['require-system']);
  if (typeof parsed === 'string') return usageError(parsed, VERIFY_USAGE);
  const [input, ...rest] = parsed.positional;
  if (!input || rest.length > 0) return usageError('give exactly one input file', VERIFY_USAGE);
  try {
    const ca = parsed.flags.get('ca');
    const org = parsed.flags.get('expect-org');
    const result = verifyDocumentSignatures(readFileSync(input, 'utf8'), {
      ...(ca ? { trustedCaPems: [readFileSync(ca, 'utf8')] } : {}),
      ...(org ? { expectedSignerOids: [org] } : {}),
      requireSystemSignature: parsed.flags.has('require-system'),
    });
    const first = result.signatures[0];
    const report = {
      valid: result.valid,
      reason: result.reason ?? null,
      signer: first?.signer ? { subject: first.signer.subject, serialNumber: first.signer.serialNumber ?? null, issuer: first.signer.issuer, notAfter: first.signer.notAfter } : null,
      references: first?.references ?? [],
      chainChecked: result.chainChecked,
      ...(ca ? {} : { note: 'no --ca given: checked against the embedded certificate only, chain not checked' }),
      signatures: result.signatures,
    };
    return { exitCode: result.valid ? 0 : 1, stdout: `${JSON.stringify(report, null, 2)}\n`, stderr: '' };
  } catch (err) {
    return failure(err);
  }
}

const LIST_USAGE = 'certs list CONFIG [--json]';

interface ListRow extends Partial<IdentityReport> {
  identityId: string;
  usage: CredentialUsage;
  error?: string;
}

export function certsListCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): CommandResult {
  const parsed = parseArgs(args, [], ['json']);
  if (typeof parsed === 'string') return usageError(parsed, LIST_USAGE);
  const [file, ...rest] = parsed.positional;
  if (!file || rest.length > 0) return usageError('give exactly one config file', LIST_USAGE);
  let config;
  try {
    config = loadConfig(file, env).config;
  } catch (err) {
    return { exitCode: 1, stdout: '', stderr: `${(err as Error).message}\n` };
  }
  const rows: ListRow[] = [];
  const group = (identityId: string, usage: CredentialUsage, sources: readonly CertificateSource[], organisation?: string) => {
    const loaded: Credential[] = [];
    for (const src of sources) {
      try {
        loaded.push(loadCredential(src, env));
      } catch (err) {
        rows.push({ identityId, usage, source: 'p12File' in src ? src.p12File : src.certFile, error: `${errorCodeOf(err) ?? 'ERROR'}: ${(err as Error).message}` });
      }
    }
    const active = pickNewestValid(loaded, now);
    for (const c of loaded) rows.push(reportFor(identityId, usage, c, now, c === active, organisation));
  };
  for (const s of config.signingIdentities) group(s.id, 'system-signature', s.certificates, s.organisation);
  for (const ap of config.kanta.accessPoints) if (ap.tls?.client) group(ap.id, 'tls-client', [ap.tls.client]);
  if (config.gateway.tls) group('gateway', 'tls-server', [{ certFile: config.gateway.tls.certFile, keyFile: config.gateway.tls.keyFile }]);
  const exitCode = rows.some((r) => r.error) ? 1 : 0;
  if (parsed.flags.has('json')) return { exitCode, stdout: `${JSON.stringify(rows, null, 2)}\n`, stderr: '' };
  const table = [['IDENTITY', 'USAGE', 'SUBJECT', 'SERIAL', 'NOT AFTER', 'DAYS LEFT', 'STATE']];
  for (const r of rows) {
    table.push(
      r.error
        ? [r.identityId, r.usage, `(not loaded: ${r.error})`, '', '', '', 'error']
        : [r.identityId, r.usage, r.subject ?? '', r.serial ?? '', r.notAfter ?? '', String(r.daysLeft), `${r.state}${r.active ? ', active' : ''}`],
    );
  }
  const widths = (table[0] as string[]).map((_, col) => Math.max(...table.map((row) => (row[col] ?? '').length)));
  const text = table.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] as number))).join('  ')).join('\n');
  return { exitCode, stdout: `${text}\n`, stderr: '' };
}
