// The overview `kanta-gateway help` prints: every command's synopsis, in the dispatcher's order.
import type { CliCommand } from './command.ts';

export function overview(commands: readonly Pick<CliCommand, 'synopsis'>[]): string {
  return `kanta-gateway <command> [--help]

${commands.map((c) => `  ${c.synopsis}`).join('\n')}

Every command and subcommand takes --help. Exit codes: 0 done, 1 failed, 2 usage error.
`;
}
