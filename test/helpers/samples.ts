// The public Kanta test messages as text, for tests that carry on without them (a visible line says so);
// where they are looked for is test/helpers/shared-material.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { samplesDir } from './shared-material.ts';

export { compactSignedForm } from './shared-material.ts';

/** The sample file's bytes as text, or undefined (with a visible skip line) when the samples are absent. */
export function readSample(name: string): string | undefined {
  const dir = samplesDir();
  if (!dir || !existsSync(join(dir, name))) {
    process.stdout.write(`      - skipped: public Kanta sample ${name} not found (set KGW_SAMPLES_DIR or place ../shared/samples)\n`);
    return undefined;
  }
  return readFileSync(join(dir, name), 'utf8');
}
