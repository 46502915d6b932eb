// Optional XML Schema validation of the CDA at intake, against the XSD set an operator points at
// (validation.cdaSchemaDir, or an access point's own cdaSchemaDir). Debian's xmllint (libxml2-utils)
// validates, one child process per document: ~50 ms per document, where the WebAssembly build of the
// same library took ~900 ms (schemas re-parsed on every call). A refusal names the validator's first
// line and message; the document content never goes into an error or a log.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AccessPoint, ValidationConfig } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import { Semaphore } from '../../queues/semaphore.ts';

export interface SchemaProblem {
  line?: number;
  message: string;
}

export interface CdaSchemaValidator {
  /** Throws INTAKE_SCHEMA_INVALID (400) or INTAKE_SCHEMA_UNAVAILABLE (503). */
  validate(cda: Buffer): Promise<void>;
}

const MAX_PROBLEMS = 5;

// Validator messages quote the values they refuse ("The value '…' is not accepted by the pattern"): a
// quoted value could be a hetu or a name. Element and attribute names ('{urn:hl7-org:v3}id') are kept.
const QUOTED = /'([^']*)'/g;
const NAME = /^(\{[^}]*\})?[A-Za-z_][\w.-]*$|^\(.*\)$/;

export function redactValues(message: string): string {
  return message.replace(QUOTED, (whole, inner: string) => (NAME.test(inner) ? whole : "'…'"));
}

/** xmllint's stderr lines "-:92: element x: Schemas validity error : …" as line + message (first few). */
export function parseXmllintErrors(stderr: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const raw of stderr.split('\n')) {
    const m = /^-:(\d+): (.*)$/.exec(raw.trim());
    if (!m) continue;
    out.push({ line: Number(m[1]), message: redactValues(m[2]!).replace(/\s+/g, ' ').slice(0, 300) });
    if (out.length >= MAX_PROBLEMS) break;
  }
  return out;
}

export function xmllintValidator(opts: { schemaFile: string; timeoutMs: number; maxConcurrent: number; xmllint: string }): CdaSchemaValidator {
  const slots = new Semaphore(opts.maxConcurrent);
  const runOnce = (cda: Buffer) =>
    new Promise<void>((resolve, reject) => {
      // --nonet: a schema set must not make the gateway fetch anything; "-" reads the document from stdin.
      const child = spawn(opts.xmllint, ['--noout', '--nonet', '--schema', opts.schemaFile, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < 64 * 1024) stderr += d;
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new GatewayError('INTAKE_SCHEMA_UNAVAILABLE', `The schema validator cannot run: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        if (signal) return reject(new GatewayError('INTAKE_SCHEMA_UNAVAILABLE', `Schema validation took longer than ${opts.timeoutMs} ms`));
        // xmllint: 3 and 4 = the document is invalid (or not well-formed), 5 = the schema did not compile.
        if (code === 5) return reject(new GatewayError('INTAKE_SCHEMA_UNAVAILABLE', 'The configured schema set does not compile'));
        const problems = parseXmllintErrors(stderr);
        reject(new GatewayError('INTAKE_SCHEMA_INVALID', problems[0] ? `line ${problems[0].line}: ${problems[0].message}` : undefined, { details: { problems } }));
      });
      child.stdin.on('error', () => {}); // the child may exit before reading everything; 'close' reports it
      child.stdin.end(cda);
    });
  return { validate: (cda) => slots.run(() => runOnce(cda)) };
}

/** The validator for each access point (its own schema set, else the global one, else none). */
export function schemaValidators(validation: ValidationConfig, accessPoints: readonly AccessPoint[]): Map<string, CdaSchemaValidator> {
  const byDir = new Map<string, CdaSchemaValidator>();
  const out = new Map<string, CdaSchemaValidator>();
  for (const ap of accessPoints) {
    const dir = ap.cdaSchemaDir ?? validation.cdaSchemaDir;
    if (!dir) continue;
    const schemaFile = path.join(dir, validation.entryPoint);
    if (!existsSync(schemaFile)) throw new GatewayError('CONFIG_INVALID', `Schema entry point ${validation.entryPoint} not found in ${dir} (access point ${ap.id})`);
    let v = byDir.get(schemaFile);
    if (!v) byDir.set(schemaFile, (v = xmllintValidator({ schemaFile, timeoutMs: validation.timeoutMs, maxConcurrent: validation.maxConcurrent, xmllint: validation.xmllint })));
    out.set(ap.id, v);
  }
  return out;
}
