// The `kanta-gateway` command line. Each command is a small function returning an exit code; long-
// running ones (serve, demo, kanta-double) stop cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { GatewayError } from '../domain/errors.ts';
import { createLogger } from './logger.ts';
import { untilSignal } from './until-signal.ts';

const USAGE = `kanta-gateway <command>

  serve --config FILE                 run the gateway (SIGHUP reloads the configuration)
  demo [--port N] [--once]            local Redis + Kanta archive double + sample tenants and documents
  kanta-double --port N [...]         run the Kanta archive double alone (see docs/kanta-double.md)
  config check FILE                   validate a configuration file without starting
  certs init-test-pki DIR [...]       create a test CA and test certificates
  certs list CONFIG                   every signing identity: usage, subject, serial, notAfter, days left
  sign IN --key K --cert C [--out F]  add a Kanta system signature to a CDA document
  verify IN [--ca FILE]               verify the signatures of a CDA document (JSON; exit 0 only when valid)
  audit verify FILE|- [--range|--sparse] [--head SEQ:sha256:HEX]
  audit verify --segments DIR [--organisation OID] [--redis-url URL [--prefix PREFIX]]
                                      verify an exported usage log (JSON; exit 0 only when valid)
  ops <action> [--url U --token T]    operate a running gateway (KGW_URL, KGW_OPS_TOKEN):
        queues | reload | pause-controller OID | resume-controller OID |
        pause-tenant ID | resume-tenant ID | rerun [--code C --tenant T --controller OID --from ISO --to ISO --limit N]
`;

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const stdio: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function configCheck(file: string | undefined, out: Out): number {
  if (!file) {
    out.stderr('usage: kanta-gateway config check FILE\n');
    return 2;
  }
  try {
    const loaded = loadConfig(file);
    const c = loaded.config;
    out.stdout(`${loaded.file}: valid (version ${loaded.version}): ${c.organisations.length} organisations, ${c.serviceUnits.length} service units, ${c.tenants.length} tenants, ${c.contracts.length} contracts, ${c.kanta.accessPoints.length} access points\n`);
    return 0;
  } catch (err) {
    out.stderr(`${(err as Error).message}\n`);
    return 1;
  }
}

async function serve(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  const file = values.config ?? process.env.KGW_CONFIG;
  if (!file) {
    out.stderr('usage: kanta-gateway serve --config FILE (or KGW_CONFIG)\n');
    return 2;
  }
  const { startGateway } = await import('./main.ts');
  const logger = createLogger();
  let gw;
  try {
    gw = await startGateway({ configFile: file, logger, reloadOnSighup: true });
  } catch (err) {
    out.stderr(`kanta-gateway: cannot start: ${err instanceof GatewayError ? `${(err as GatewayError).code}: ` : ''}${(err as Error).message}\n`);
    return 1;
  }
  const sig = await untilSignal();
  logger.info('stopping', { signal: sig });
  await gw.close();
  return 0;
}

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

export async function main(argv: string[], out: Out = stdio): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest, out);
    case 'demo': {
      const { runDemo } = await import('./demo/run-demo.ts');
      return runDemo(rest, out);
    }
    case 'kanta-double': {
      const { runKantaDoubleCommand } = await import('../adapters/kanta-double/cli.ts');
      return runKantaDoubleCommand(rest);
    }
    case 'config':
      if (rest[0] === 'check') return configCheck(rest[1], out);
      break;
    case 'certs':
    case 'sign':
    case 'verify': {
      const certs = await import('../certs/commands.ts');
      const [sub, ...subArgs] = rest;
      const r =
        command === 'sign' ? certs.signCommand(rest)
        : command === 'verify' ? certs.verifyCommand(rest)
        : sub === 'init-test-pki' ? await certs.initTestPkiCommand(subArgs)
        : sub === 'list' ? certs.certsListCommand(subArgs)
        : undefined;
      if (!r) break;
      if (r.stdout) out.stdout(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) out.stderr(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
      return r.exitCode;
    }
    case 'audit': {
      if (rest[0] !== 'verify') break;
      const { auditVerifyCommand } = await import('./audit/commands.ts');
      // audit retention: --segments DIR verifies the sealed segments (gateway/audit/verify-segments-command.ts)
      const r = rest.includes('--segments') ? await (await import('./audit/verify-segments-command.ts')).auditVerifySegmentsCommand(rest.slice(1)) : auditVerifyCommand(rest.slice(1));
      if (r.stdout) out.stdout(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) out.stderr(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
      return r.exitCode;
    }
    case 'ops':
      return ops(rest, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out.stdout(USAGE);
      return command === undefined ? 2 : 0;
  }
  out.stderr(`kanta-gateway: unknown command ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}
