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
                                      verify an exported usage log (JSON; exit 0 only when valid)
  ops <action> [--url U --token T]    operate a running gateway (KGW_URL, KGW_OPS_TOKEN; ops --help):
        queues [--json] | document ID | parked | rerun [filter] [--yes] | task ID | reload |
        pause-controller OID | resume-controller OID | pause-tenant ID | resume-tenant ID
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
      const r = auditVerifyCommand(rest.slice(1));
      if (r.stdout) out.stdout(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) out.stderr(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
      return r.exitCode;
    }
    case 'ops':
      return (await import('./cli/ops-command.ts')).opsCommand(rest, out);
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
