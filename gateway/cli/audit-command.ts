// `kanta-gateway audit verify`: checks an exported usage log offline (gateway/audit/commands.ts).
import { UsageError, emit, type CliCommand } from './command.ts';

const VERIFY = `usage: kanta-gateway audit verify FILE|- [--range | --sparse] [--head SEQ:sha256:HEX]
       kanta-gateway audit verify --segments DIR [--organisation OID] [--redis-url URL [--prefix PREFIX]]

  Verifies the hash chain of an exported usage log (käyttöloki). --range: an export of a time range;
  --sparse: a per-client export; --head: the Audit-Chain-Head the export announced (catches a cut tail).
  --segments: the sealed segments on disk (docs/audit-log.md): every file's digest, the manifest chain, the
  chain across segments and, with --redis-url, on into the live part still in Redis.
  Prints JSON; exit 0 only when the chain holds.
`;

export const auditCommand: CliCommand = {
  name: 'audit',
  synopsis: `audit verify FILE|- [--range|--sparse] [--head SEQ:sha256:HEX]
  audit verify --segments DIR [--organisation OID] [--redis-url URL [--prefix PREFIX]]
                                      verify an exported usage log (JSON; exit 0 only when valid)`,
  usage: VERIFY,
  subcommands: { verify: VERIFY },
  async run(args, out) {
    const [sub, ...rest] = args;
    if (sub !== 'verify') throw new UsageError(sub === undefined ? 'give an audit subcommand' : `unknown command audit ${sub}`);
    if (rest.includes('--segments')) {
      const { auditVerifySegmentsCommand } = await import('../audit/verify-segments-command.ts');
      return emit(out, await auditVerifySegmentsCommand(rest));
    }
    const { auditVerifyCommand } = await import('../audit/commands.ts');
    return emit(out, auditVerifyCommand(rest));
  },
};
