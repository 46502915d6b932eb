// `kanta-gateway serve`: runs the gateway until SIGINT/SIGTERM; SIGHUP reloads the configuration.
import { GatewayError } from '../../domain/errors.ts';
import { createLogger } from '../logger.ts';
import { untilSignal } from '../until-signal.ts';
import { UsageError, parseOptions, type CliCommand } from './command.ts';

const USAGE = `usage: kanta-gateway serve --config FILE

  Runs the gateway with FILE (YAML or JSON; or the file KGW_CONFIG names).
  SIGHUP reloads the configuration; SIGINT/SIGTERM stop after in-flight work.
  Check a configuration first with: kanta-gateway config check FILE --deep

  -c, --config FILE   the configuration file
  -h, --help          this text
`;

export const serveCommand: CliCommand = {
  name: 'serve',
  synopsis: 'serve --config FILE                 run the gateway (SIGHUP reloads the configuration)',
  usage: USAGE,
  async run(args, out) {
    const { values, positionals } = parseOptions(args, { config: { type: 'string', short: 'c' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const file = values.config ?? process.env.KGW_CONFIG;
    if (!file) throw new UsageError('give --config FILE (or set KGW_CONFIG)');
    const { startGateway } = await import('../main.ts');
    const logger = createLogger();
    let gw;
    try {
      gw = await startGateway({ configFile: file, logger, reloadOnSighup: true });
    } catch (err) {
      out.stderr(`kanta-gateway: cannot start: ${err instanceof GatewayError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
      return 1;
    }
    const sig = await untilSignal();
    logger.info('stopping', { signal: sig });
    await gw.close();
    return 0;
  },
};
