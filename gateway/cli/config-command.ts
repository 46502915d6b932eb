// `kanta-gateway config check FILE [--deep]`: the schema and cross-references (what every load checks),
// and with --deep what serve would still refuse at start: files, environment variables, credentials
// (gateway/cli/deep-config-check.ts). Every problem is reported, not just the first; exit 1 on any.
import { loadConfig } from '../../config/load.ts';
import { UsageError, parseOptions, type CliCommand } from './command.ts';

const CHECK = `usage: kanta-gateway config check FILE [--deep] [--json]

  Validates the configuration FILE (YAML or JSON) as serve loads it, with the KGW_* environment
  overrides: shape, values, cross-references. Exit 0 valid, 1 invalid (each issue with file, path, reason).
  --deep  also checks what serve needs beyond the file, each problem with a code:
          referenced files and directories exist and are readable (CONFIG_FILE_UNREADABLE),
          environment variables it names are set (CONFIG_ENV_MISSING), PEM and PKCS#12 credentials
          open with their password (CERT_WRONG_PASSWORD, CERT_LOAD_FAILED), each certificate matches
          its key (CERT_KEY_MISMATCH), signing certificates allow signing (CERT_KEY_USAGE), CA bundles
          parse. Certificates no longer or not yet valid are warnings. Run it with serve's environment.
  --json  print {file, version, valid, problems: [{code, path, message, severity}]} on stdout
`;

export const configCommand: CliCommand = {
  name: 'config',
  synopsis: 'config check FILE [--deep]          validate a configuration without starting (--deep: files, env, certificates)',
  usage: CHECK,
  subcommands: { check: CHECK },
  async run(args, out) {
    const [sub, ...rest] = args;
    if (sub !== 'check') throw new UsageError(sub === undefined ? 'give a config subcommand' : `unknown command config ${sub}`);
    const { values, positionals } = parseOptions(rest, { deep: { type: 'boolean' }, json: { type: 'boolean' } }, CHECK);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the configuration FILE' : `unexpected argument ${positionals[1]}`, CHECK);
    let loaded;
    try {
      loaded = loadConfig(positionals[0]!);
    } catch (err) {
      if (values.json) out.stdout(`${JSON.stringify({ file: positionals[0], valid: false, error: (err as Error).message })}\n`);
      out.stderr(`${(err as Error).message}\n`);
      return 1;
    }
    const c = loaded.config;
    const summary = `${c.organisations.length} organisations, ${c.serviceUnits.length} service units, ${c.tenants.length} tenants, ${c.contracts.length} contracts, ${c.kanta.accessPoints.length} access points`;
    if (!values.deep) {
      if (values.json) out.stdout(`${JSON.stringify({ file: loaded.file, version: loaded.version, valid: true, problems: [] })}\n`);
      else out.stdout(`${loaded.file}: valid (version ${loaded.version}): ${summary}\n`);
      return 0;
    }
    // Loaded on demand: it pulls in the certificate and TLS loaders, which `--help` and a plain check do not need.
    const { deepCheck } = await import('./deep-config-check.ts');
    const { problems, checked } = deepCheck(loaded);
    const errors = problems.filter((p) => p.severity === 'error');
    if (values.json) {
      out.stdout(`${JSON.stringify({ file: loaded.file, version: loaded.version, valid: errors.length === 0, checked, problems })}\n`);
    } else {
      for (const p of problems) out.stderr(`${loaded.file}: ${p.path || '(root)'}: ${p.severity === 'warning' ? 'warning ' : ''}${p.code}: ${p.message}\n`);
      const what = `${checked.files} files, ${checked.envVariables} environment variables, ${checked.credentials} credentials, ${checked.caBundles} CA bundles checked`;
      if (errors.length > 0) out.stderr(`${loaded.file}: serve would refuse this configuration: ${errors.length} problem${errors.length === 1 ? '' : 's'} (${what})\n`);
      else out.stdout(`${loaded.file}: valid (version ${loaded.version}): ${summary}; deep: ${what}${problems.length ? `, ${problems.length} warning${problems.length === 1 ? '' : 's'}` : ''}\n`);
    }
    return errors.length > 0 ? 1 : 0;
  },
};
