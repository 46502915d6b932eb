// The project's public reference material (the Kanta sample documents and the CDA schemas) lives
// outside this repository: in KGW_SAMPLES_DIR / KGW_SCHEMAS_DIR, or else in ../shared/samples and
// ../shared/schemas beside the checkout. A clone without it still passes `npm test`: the tests that
// need the material skip with a line saying what is missing and how to supply it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Material {
  envVar: string;
  /** What to do about it, for the skip line. */
  hint: string;
  /** Where it was looked for, as the skip line names it. */
  shown: string;
  dir: string;
}

function material(envVar: string, besideCheckout: string): Material {
  const fromEnv = process.env[envVar];
  if (fromEnv) return { envVar, hint: `check ${envVar}`, shown: `${envVar}=${fromEnv}`, dir: path.resolve(fromEnv) };
  return { envVar, hint: `set ${envVar}`, shown: besideCheckout, dir: path.resolve(REPO_ROOT, besideCheckout) };
}

function fileOrSkip(test: Mocha.Context, m: Material, name: string): string {
  const file = path.join(m.dir, name);
  if (!existsSync(file)) {
    console.log(`  - skipped: ${name} not found in ${m.shown} (${m.hint})`);
    test.skip();
  }
  return file;
}

/** Path of a public Kanta sample (e.g. asia_S.xml); skips the calling test when it is not there. */
export function sampleOrSkip(test: Mocha.Context, name: string): string {
  return fileOrSkip(test, material('KGW_SAMPLES_DIR', '../shared/samples'), name);
}

/** Path of a file under the CDA schemas (e.g. kela-cda-fi/…); skips the calling test when it is not there. */
export function schemaOrSkip(test: Mocha.Context, name: string): string {
  return fileOrSkip(test, material('KGW_SCHEMAS_DIR', '../shared/schemas'), name);
}

/** Where the public samples are, or undefined (for tests that read several of them). */
export function samplesDir(): string | undefined {
  const m = material('KGW_SAMPLES_DIR', '../shared/samples');
  return existsSync(path.join(m.dir, 'asia_S.xml')) ? m.dir : undefined;
}

/** samples/README.md: the form asia_S.xml was signed in (whitespace before comments, comments, then whitespace-only text between tags removed). */
export function compactSignedForm(xml: string): string {
  return xml.replace(/\s+<!--/g, '<!--').replace(/<!--[\s\S]*?-->/g, '').replace(/>\s+</g, '><');
}
