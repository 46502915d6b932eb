// `kanta-gateway demo` and `kanta-gateway kanta-double`: the local demo world and the archive double alone.
import type { CliCommand } from './command.ts';

export const demoCommand: CliCommand = {
  name: 'demo',
  synopsis: 'demo [--port N] [--once] [--dir D]  local Redis + Kanta archive double + sample tenants and documents',
  usage: `usage: kanta-gateway demo [--port N] [--once] [--dir D]

  Starts redis-server, a test PKI, the Kanta archive double and the gateway with sample tenants,
  submits sample documents, follows them to archived and prints a summary; then stays up until Ctrl-C.

  --port N    gateway port (default 8080)
  --once      exit after the summary
  --dir D     working directory for Redis data, PKI and configuration (default var/demo)
  -h, --help  this text
`,
  async run(args, out) {
    const { runDemo } = await import('../demo/run-demo.ts');
    return runDemo(args, out);
  },
};

export const kantaDoubleCommand: CliCommand = {
  name: 'kanta-double',
  synopsis: 'kanta-double --port N [...]         run the Kanta archive double alone (see docs/kanta-double.md)',
  // The double's usage text lives beside its option parser; loaded only when asked for.
  usage: async () => `${(await import('../../adapters/kanta-double/cli.ts')).KANTA_DOUBLE_USAGE}\n`,
  async run(args) {
    const { runKantaDoubleCommand } = await import('../../adapters/kanta-double/cli.ts');
    return runKantaDoubleCommand(args);
  },
};
