// `kanta-gateway audit verify FILE`: checks an exported usage log offline. Needs only the file (and,
// to catch a cut-off tail, the head the export announced); prints the verification as JSON and exits
// 0 only when the chain holds, 1 when it does not or the file cannot be read, 2 on a usage mistake.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyChain, type VerifyOptions } from './verify-chain.ts';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const AUDIT_VERIFY_USAGE = 'audit verify FILE|- [--range | --sparse] [--head SEQ:sha256:HEX]';

const usage = (message: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `${message}\nusage: kanta-gateway ${AUDIT_VERIFY_USAGE}\n` });

function parseHead(value: string): { seq: number; digest: string } | undefined {
  // The Audit-Chain-Head header is "SEQ sha256:HEX"; "SEQ:sha256:HEX" is accepted too (no quoting needed).
  const m = /^(\d{1,15})[ :](sha256:[0-9a-f]{64})$/.exec(value.trim());
  return m ? { seq: Number(m[1]), digest: m[2]! } : undefined;
}

export function auditVerifyCommand(args: string[]): CommandResult {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { range: { type: 'boolean' }, sparse: { type: 'boolean' }, head: { type: 'string' } },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usage('give exactly one exported file (or - for standard input)');
  if (values.range && values.sparse) return usage('--range and --sparse exclude each other');
  const opts: VerifyOptions = { mode: values.sparse ? 'sparse' : values.range ? 'range' : 'full' };
  if (values.head !== undefined) {
    const head = parseHead(values.head);
    if (!head) return usage('--head must be SEQ:sha256:HEX (as in the Audit-Chain-Head response header)');
    opts.expectedHead = head;
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    return { exitCode: 1, stdout: '', stderr: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n` };
  }
  const result = verifyChain(text, opts);
  return { exitCode: result.valid ? 0 : 1, stdout: `${JSON.stringify({ file, mode: opts.mode, ...result }, null, 2)}\n`, stderr: '' };
}
