// `kanta-gateway tokens new`: a fresh bearer token and the SHA-256 the configuration holds instead of it
// (tenants[].credentials.apiTokenSha256, gateway.operators[].tokenSha256). The digest is the one the gateway's
// authentication compares (gateway/auth.ts), so what this prints is what serve accepts.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../auth.ts';
import { UsageError, parseOptions, positiveInt, type CliCommand } from './command.ts';

/** 32 bytes = 256 bits: a token cannot be guessed, and its digest cannot be searched back to it. */
const MIN_BYTES = 32;

const NEW = `usage: kanta-gateway tokens new [--bytes N] [--json]

  Prints a fresh random bearer token (base64url, N random bytes, at least ${MIN_BYTES}, default ${MIN_BYTES})
  and its SHA-256 (hex).
    token   → give to the tenant system or operator (Authorization: Bearer TOKEN); shown only once
    sha256  → put in the configuration: tenants[].credentials.apiTokenSha256 (a tenant) or
              gateway.operators[].tokenSha256 (a named operator), then reload
  --json prints {"token", "sha256"}.
`;

export function newToken(bytes = MIN_BYTES): { token: string; sha256: string } {
  const token = randomBytes(bytes).toString('base64url');
  return { token, sha256: sha256Hex(token) };
}

export const tokensCommand: CliCommand = {
  name: 'tokens',
  synopsis: 'tokens new [--bytes N] [--json]     a fresh bearer token and the sha256 digest the configuration holds',
  usage: NEW,
  subcommands: { new: NEW },
  run(args, out) {
    const [sub, ...rest] = args;
    if (sub !== 'new') throw new UsageError(sub === undefined ? 'give a tokens subcommand' : `unknown command tokens ${sub}`);
    const { values, positionals } = parseOptions(rest, { bytes: { type: 'string' }, json: { type: 'boolean' } }, NEW);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, NEW);
    const bytes = positiveInt(values.bytes, 'bytes', MIN_BYTES, 1024);
    if (bytes < MIN_BYTES) throw new UsageError(`--bytes must be at least ${MIN_BYTES}`, NEW);
    const t = newToken(bytes);
    if (values.json) {
      out.stdout(`${JSON.stringify(t)}\n`);
      return 0;
    }
    out.stdout(
      `token  (give to the tenant system or operator; shown only once, keep it in a secret store):\n  ${t.token}\n` +
        `sha256 (put in the configuration: tenants[].credentials.apiTokenSha256 or gateway.operators[].tokenSha256):\n  ${t.sha256}\n`,
    );
    return 0;
  },
};
