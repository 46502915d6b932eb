// The `kanta-gateway` command line: a dispatcher over one module per command (gateway/cli/). Each
// command has its own usage; `--help`/`-h` on any command or subcommand prints it and exits 0; a usage
// mistake prints one line and the usage on stderr and exits 2; a failure prints one line (code and
// reason) and exits 1 — never a stack trace. Long-running commands stop cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { errorCodeOf } from '../domain/errors.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backfillCommand } from './cli/backfill-command.ts';
import { certsCommand, signCommand, verifyCommand } from './cli/certs-command.ts';
import { UsageError, isParseArgsError, wantsHelp, type CliCommand, type Out } from './cli/command.ts';
import { configCommand } from './cli/config-command.ts';
import { demoCommand, kantaDoubleCommand } from './cli/demo-command.ts';
import { overview } from './cli/help.ts';
import { serveCommand } from './cli/serve-command.ts';
import { tokensCommand } from './cli/tokens-command.ts';

const stdio: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

const OPS_USAGE = `usage: kanta-gateway ops <action> [--url U --token T]

  Operates a running gateway (--url or KGW_URL, default http://127.0.0.1:8080; --token or KGW_OPS_TOKEN,
  an ops token). Prints the gateway's JSON answer; exit 1 when it refuses.
    queues | reload | pause-controller OID | resume-controller OID |
    pause-tenant ID | resume-tenant ID | rerun [--code C --tenant T --controller OID --from ISO --to ISO --limit N]
`;

async function ops(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      code: { type: 'string' },
      tenant: { type: 'string' },
      controller: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const url = values.url ?? process.env.KGW_URL ?? 'http://127.0.0.1:8080';
  const token = values.token ?? process.env.KGW_OPS_TOKEN;
  if (!token) {
    out.stderr('kanta-gateway ops: give --token or KGW_OPS_TOKEN (an ops token)\n');
    return 2;
  }
  const [action, target] = positionals;
  let method = 'POST';
  let path: string;
  let body: unknown;
  switch (action) {
    case 'queues':
      method = 'GET';
      path = '/v1/ops/queues';
      break;
    case 'reload':
      path = '/v1/ops/config/reload';
      break;
    case 'pause-controller':
    case 'resume-controller':
      path = `/v1/ops/controllers/${encodeURIComponent(target ?? '')}/${action.split('-')[0]}`;
      break;
    case 'pause-tenant':
    case 'resume-tenant':
      path = `/v1/ops/tenants/${encodeURIComponent(target ?? '')}/${action.split('-')[0]}`;
      break;
    case 'rerun':
      path = '/v1/ops/rerun';
      body = Object.fromEntries(
        Object.entries({ code: values.code, tenant: values.tenant, controller: values.controller, from: values.from, to: values.to, limit: values.limit ? Number(values.limit) : undefined }).filter(([, v]) => v !== undefined),
      );
      break;
    default:
      out.stderr(USAGE);
      return 2;
  }
  // An unreachable gateway or a proxy's HTML error page is an operator-facing failure with a
  // reason, not a stack trace.
  const endpoint = new URL(path, url);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    out.stderr(`kanta-gateway ops: cannot reach ${endpoint.href}: ${cause?.code ?? cause?.message ?? (err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    out.stderr(`kanta-gateway ops: ${endpoint.href} answered HTTP ${res.status} with a body that is not JSON\n`);
    return 1;
  }
  out.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  return res.ok ? 0 : 1;
}

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
  // ops: the ops-console session moves this into gateway/cli/ops-command.ts
  { name: 'ops', synopsis: `ops <action> [--url U --token T]    operate a running gateway (KGW_URL, KGW_OPS_TOKEN):
        queues | reload | pause-controller OID | resume-controller OID |
        pause-tenant ID | resume-tenant ID | rerun [--code C --tenant T --controller OID --from ISO --to ISO --limit N]`, usage: OPS_USAGE, run: (args, out) => ops(args, out) },
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
