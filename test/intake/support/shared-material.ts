// The public reference material (Kanta samples, CDA schemas) lives outside the repository: in
// KGW_SAMPLES_DIR / KGW_SCHEMAS_DIR, or ../shared/samples and ../shared/schemas beside the checkout.
// A test needing it skips with a visible line when it is absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function dirOf(envVar: string, beside: string): { dir: string; shown: string } {
  const fromEnv = process.env[envVar];
  return fromEnv ? { dir: path.resolve(fromEnv), shown: `${envVar}=${fromEnv}` } : { dir: path.resolve(REPO_ROOT, beside), shown: beside };
}

function orSkip(test: Mocha.Context, envVar: string, beside: string, name: string): string {
  const { dir, shown } = dirOf(envVar, beside);
  const file = path.join(dir, name);
  if (!existsSync(file)) {
    console.log(`      - skipped: ${shown}/${name} not found (set ${envVar})`);
    test.skip();
  }
  return file;
}

export const sampleOrSkip = (test: Mocha.Context, name: string) => orSkip(test, 'KGW_SAMPLES_DIR', '../shared/samples', name);
export const schemaOrSkip = (test: Mocha.Context, name: string) => orSkip(test, 'KGW_SCHEMAS_DIR', '../shared/schemas', name);
