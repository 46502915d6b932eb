// `kanta-gateway kanta-double …`: runs the archive double alone, e.g. for a welfare region pointing
// its own systems at it during onboarding. Resolves with the exit code once stopped (SIGINT/SIGTERM).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GatewayError } from '../../domain/errors.ts';
import { startKantaDouble } from './server.ts';
import type { KantaDoubleOptions } from './options.ts';

export const KANTA_DOUBLE_USAGE = `usage: kanta-gateway kanta-double --port N [--host H]
         [--tls-cert F --tls-key F --client-ca F ...] [--signing-ca F ...]
         [--config FILE (JSON or YAML: accessPoints, serviceUnits, options)]
         [--state-dir D] [--admin-token T (or KGW_DOUBLE_ADMIN_TOKEN; else one is made and printed)] [--faults JSON] [--seed N] [--body-limit BYTES]
         [--require-system-signature true|false]`;

const REPEATABLE = new Set(['client-ca', 'signing-ca']);
const KNOWN = new Set(['port', 'host', 'tls-cert', 'tls-key', 'client-ca', 'signing-ca', 'config', 'state-dir', 'admin-token', 'faults', 'seed', 'body-limit', 'require-system-signature']);

function usageError(message: string): never {
  throw new GatewayError('REQUEST_INVALID', message);
}

export function parseArgs(argv: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) usageError(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!KNOWN.has(name)) usageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) usageError(`--${name} needs a value`);
    if (out.has(name) && !REPEATABLE.has(name)) usageError(`--${name} given twice`);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function integer(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) usageError(`--${name} must be a non-negative integer`);
  return Number(v);
}

/** Builds the double's options from flags and an optional JSON/YAML config file; flags win. */
export function optionsFromArgs(argv: string[]): KantaDoubleOptions {
  const a = parseArgs(argv);
  const one = (k: string) => a.get(k)?.[0];
  let file: Record<string, unknown> = {};
  const configPath = one('config');
  if (configPath) {
    const text = readFileSync(configPath, 'utf8');
    const parsed: unknown = /\.json$/i.test(configPath) ? JSON.parse(text) : parseYaml(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) usageError('--config must hold an object');
    file = parsed as Record<string, unknown>;
  }
  const { signingCaFiles, tls: fileTls, ...rest } = file as { signingCaFiles?: string[]; tls?: { certFile: string; keyFile: string; clientCaFiles: string[] } } & Record<string, unknown>;
  const signingCaPems = [...(signingCaFiles ?? []), ...(a.get('signing-ca') ?? [])].map((f) => readFileSync(f, 'utf8'));
  const certFile = one('tls-cert') ?? fileTls?.certFile;
  const keyFile = one('tls-key') ?? fileTls?.keyFile;
  const caFiles = a.get('client-ca') ?? fileTls?.clientCaFiles;
  if ((certFile || keyFile || caFiles) && !(certFile && keyFile && caFiles?.length)) usageError('TLS needs --tls-cert, --tls-key and --client-ca together');
  let faults = rest.faults;
  const faultsArg = one('faults');
  if (faultsArg) {
    try {
      faults = JSON.parse(faultsArg);
    } catch {
      usageError('--faults must be JSON');
    }
  }
  const opts = {
    ...rest,
    signingCaPems,
    ...(faults !== undefined ? { faults } : {}),
    ...(certFile && keyFile && caFiles ? { tls: { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), clientCaPems: caFiles.map((f) => readFileSync(f, 'utf8')) } } : {}),
  } as Record<string, unknown>;
  const port = integer(one('port'), 'port');
  const seed = integer(one('seed'), 'seed');
  const limit = integer(one('body-limit'), 'body-limit');
  if (port !== undefined) opts.port = port;
  if (seed !== undefined) opts.seed = seed;
  if (limit !== undefined) opts.bodyLimitBytes = limit;
  if (one('host')) opts.host = one('host');
  const requireSystem = one('require-system-signature');
  if (requireSystem !== undefined) {
    if (requireSystem !== 'true' && requireSystem !== 'false') usageError('--require-system-signature must be true or false');
    opts.requireSystemSignature = requireSystem === 'true';
  }
  if (one('state-dir')) opts.stateDir = one('state-dir');
  // The admin API's own credential; a standalone double makes one and prints it, so it stays usable.
  opts.adminToken = one('admin-token') ?? process.env.KGW_DOUBLE_ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  if (opts.accessPoints === undefined) opts.accessPoints = [];
  if (opts.serviceUnits === undefined) opts.serviceUnits = [];
  return opts as unknown as KantaDoubleOptions;
}

export async function runKantaDoubleCommand(argv: string[], signals: NodeJS.EventEmitter = process): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${KANTA_DOUBLE_USAGE}\n`);
    return 0;
  }
  let double;
  let options: KantaDoubleOptions;
  try {
    options = optionsFromArgs(argv);
    double = await startKantaDouble(options);
  } catch (err) {
    const message = err instanceof GatewayError ? `${err.code}: ${err.message}` : (err as Error).message;
    process.stderr.write(`kanta-double: ${message}\n${KANTA_DOUBLE_USAGE}\n`);
    return 2;
  }
  process.stdout.write(`kanta-double SOAP  ${double.url}  (WSDL: ${double.url}?wsdl)\n`);
  process.stdout.write(`kanta-double plain ${double.plainUrl}\n`);
  process.stdout.write(`kanta-double admin ${double.adminUrl}/faults | /inspect | /reset  (Authorization: Bearer ${options.adminToken})\n`);
  const running = double;
  return new Promise<number>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      running.close().then(() => resolve(0), () => resolve(1));
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
}
