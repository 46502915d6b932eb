// The `kanta-gateway` command line: a dispatcher over one module per command (gateway/cli/). Each
// command has its own usage; `--help`/`-h` on any command or subcommand prints it and exits 0; a usage
// mistake prints one line and the usage on stderr and exits 2; a failure prints one line (code and
// reason) and exits 1 — never a stack trace. Long-running commands stop cleanly on SIGINT/SIGTERM.
import { errorCodeOf } from '../domain/errors.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backfillCommand } from './cli/backfill-command.ts';
import { certsCommand, signCommand, verifyCommand } from './cli/certs-command.ts';
import { UsageError, isParseArgsError, wantsHelp, type CliCommand, type Out } from './cli/command.ts';
import { configCommand } from './cli/config-command.ts';
import { OPS_USAGE, opsCommand } from './cli/ops-command.ts';
import { demoCommand, kantaDoubleCommand } from './cli/demo-command.ts';
import { overview } from './cli/help.ts';
import { serveCommand } from './cli/serve-command.ts';
import { tokensCommand } from './cli/tokens-command.ts';

const stdio: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

const opsCliCommand: CliCommand = {
  name: 'ops',
  synopsis: `ops <action> [--url U --token T]    operate a running gateway (KGW_URL, KGW_OPS_TOKEN; ops --help):
        queues [--json] | document ID | parked | rerun [filter] [--yes] | task ID | reload |
        pause-controller OID | resume-controller OID | pause-tenant ID | resume-tenant ID`,
  usage: OPS_USAGE,
  run: (args, out) => opsCommand(args, out),
};

const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  demoCommand,
  kantaDoubleCommand,
  configCommand,
  certsCommand,
  signCommand,
  verifyCommand,
  auditCommand,
  tokensCommand,
  backfillCommand,
  opsCliCommand,
];

const USAGE = overview(COMMANDS);

async function usageOf(command: CliCommand, args: readonly string[]): Promise<string> {
  const sub = args[0] !== undefined ? command.subcommands?.[args[0]] : undefined;
  if (sub) return sub;
  return typeof command.usage === 'string' ? command.usage : command.usage();
}

export async function main(argv: string[], out: Out = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    out.stderr(USAGE);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const about = rest[0] !== undefined ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    out.stdout(about ? await usageOf(about, rest.slice(1)) : USAGE);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    out.stderr(`kanta-gateway: unknown command ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    out.stdout(await usageOf(command, rest));
    return 0;
  }
  try {
    return await command.run(rest, out);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      const usage = err instanceof UsageError && err.usage ? err.usage : await usageOf(command, rest);
      out.stderr(`kanta-gateway: ${err instanceof UsageError ? err.message : (err as Error).message.split('. ')[0]}\n\n${usage}`);
      return 2;
    }
    const code = errorCodeOf(err);
    out.stderr(`kanta-gateway ${name}: ${code ? `${code}: ` : ''}${((err as Error)?.message ?? String(err)).split('\n')[0]}\n`);
    return 1;
  }
}
