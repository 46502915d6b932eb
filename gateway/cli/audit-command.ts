// `kanta-gateway audit verify`: checks an exported usage log offline (gateway/audit/commands.ts).
import { UsageError, emit, type CliCommand } from './command.ts';

const VERIFY = `usage: kanta-gateway audit verify FILE|- [--range | --sparse] [--head SEQ:sha256:HEX]

  Verifies the hash chain of an exported usage log (käyttöloki). --range: an export of a time range;
  --sparse: a per-client export; --head: the Audit-Chain-Head the export announced (catches a cut tail).
  Prints JSON; exit 0 only when the chain holds.
`;

export const auditCommand: CliCommand = {
  name: 'audit',
  synopsis: `audit verify FILE|- [--range|--sparse] [--head SEQ:sha256:HEX]
                                      verify an exported usage log (JSON; exit 0 only when valid)`,
  usage: VERIFY,
  subcommands: { verify: VERIFY },
  async run(args, out) {
    const [sub, ...rest] = args;
    if (sub !== 'verify') throw new UsageError(sub === undefined ? 'give an audit subcommand' : `unknown command audit ${sub}`);
    const { auditVerifyCommand } = await import('../audit/commands.ts');
    return emit(out, auditVerifyCommand(rest));
  },
};
