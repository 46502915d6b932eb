// What every `kanta-gateway` command is to the dispatcher (gateway/cli.ts): a name, a one-line synopsis
// for the overview, its own usage text (and its subcommands'), and a run function returning an exit
// code. A usage mistake is a UsageError: the dispatcher prints one line and the usage, exits 2, and
// never shows a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

export interface CliCommand {
  name: string;
  /** Lines for the overview (`kanta-gateway help`), each starting with the command's own synopsis. */
  synopsis: string;
  /** Printed by `kanta-gateway NAME --help` and after a usage error; a function when the text lives in a module loaded only on demand. */
  usage: string | (() => Promise<string>);
  /** Per subcommand: its usage (`kanta-gateway NAME SUB --help`). */
  subcommands?: Readonly<Record<string, string>>;
  run(args: string[], out: Out): Promise<number> | number;
}

/** A mistake in how the command was called: exit 2, one line and the usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage to show with it; the command's own when absent. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs throws TypeErrors with these codes for unknown options, missing values and the like. */
export function isParseArgsError(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS_');
}

/** `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing; an unknown option or a missing value becomes a UsageError with the given usage. */
export function parseOptions<O extends Options>(args: string[], options: O, usage?: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(firstSentence((err as Error).message), usage);
    throw err;
  }
}

/** Node's parse errors add advice about `--` after the first sentence; the first says what is wrong. */
function firstSentence(message: string): string {
  const m = /^(.*?[.])(\s|$)/.exec(message);
  return m ? m[1]! : message;
}

/** A positive integer option value, or a UsageError naming the option. */
export function positiveInt(value: string | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return Number(value);
}

/** A positive number option value (fractions allowed), or a UsageError naming the option. */
export function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new UsageError(`--${name} must be a positive number`);
  return n;
}

/** Writes a {stdout, stderr, exitCode} result (the certs and audit commands' shape), newline-terminated. */
export function emit(out: Out, r: { exitCode: number; stdout: string; stderr: string }): number {
  if (r.stdout) out.stdout(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
  if (r.stderr) out.stderr(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
  return r.exitCode;
}
