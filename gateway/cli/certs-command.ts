// `kanta-gateway certs …`, `sign`, `verify`: thin wrappers around certs/commands.ts, which parses its
// own options and answers {exitCode, stdout, stderr}.
import { UsageError, emit, type CliCommand } from './command.ts';

const INIT = `usage: kanta-gateway certs init-test-pki DIR [--orgs OID=Name,...] [--access-points ID=SENDER_OID,...] [--bits 2048|4096] [--extras]

  Writes a test CA, a system-signature certificate per organisation, TLS server and access-point client
  certificates into DIR and prints the manifest (JSON). Test use only.
  --extras adds expired, not-yet-valid, wrong-usage and PKCS#12 variants.
`;
const LIST = `usage: kanta-gateway certs list CONFIG [--json]

  Every signing identity and access-point client certificate of CONFIG: usage, subject, serial,
  notAfter, days left, active. --json prints the rows as JSON.
`;

export const certsCommand: CliCommand = {
  name: 'certs',
  synopsis: `certs init-test-pki DIR [...]       create a test CA and test certificates
  certs list CONFIG                   every signing identity: usage, subject, serial, notAfter, days left`,
  usage: `usage: kanta-gateway certs <init-test-pki|list> ...\n\n${INIT}\n${LIST}`,
  subcommands: { 'init-test-pki': INIT, list: LIST },
  async run(args, out) {
    const certs = await import('../../certs/commands.ts');
    const [sub, ...rest] = args;
    if (sub === 'init-test-pki') return emit(out, await certs.initTestPkiCommand(rest));
    if (sub === 'list') return emit(out, certs.certsListCommand(rest));
    throw new UsageError(sub === undefined ? 'give a certs subcommand' : `unknown command certs ${sub}`);
  },
};

export const signCommand: CliCommand = {
  name: 'sign',
  synopsis: 'sign IN --key K --cert C [--out F]  add a Kanta system signature to a CDA document',
  usage: `usage: kanta-gateway sign IN --key K --cert C [--out F] [--key-password-env NAME]

  Adds a Kanta system signature (XML-DSig) to the CDA document IN with the PEM key and certificate,
  checks it, writes the signed document to F (or stdout) and prints the receipt (JSON).
`,
  async run(args, out) {
    const certs = await import('../../certs/commands.ts');
    return emit(out, certs.signCommand(args));
  },
};

export const verifyCommand: CliCommand = {
  name: 'verify',
  synopsis: 'verify IN [--ca FILE]               verify the signatures of a CDA document (JSON; exit 0 only when valid)',
  usage: `usage: kanta-gateway verify IN [--ca FILE] [--expect-org OID] [--require-system]

  Verifies every signature of the CDA document IN; --ca also checks the chain. Prints JSON; exit 0
  only when valid.
`,
  async run(args, out) {
    const certs = await import('../../certs/commands.ts');
    return emit(out, certs.verifyCommand(args));
  },
};
