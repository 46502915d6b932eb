// Locates the public Kanta test messages (../shared/samples, or KGW_SAMPLES_DIR) and gives the signed
// CDA in the compact form it was signed in (../shared/samples/README.md: whitespace before comments,
// comments, then whitespace-only text between tags removed).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function samplesDir(): string | undefined {
  const dir = process.env.KGW_SAMPLES_DIR ?? join(REPO_ROOT, '..', 'shared', 'samples');
  return existsSync(join(dir, 'asia_S.xml')) ? dir : undefined;
}

/** The sample file's bytes as text, or undefined (with a visible skip line) when the samples are absent. */
export function readSample(name: string): string | undefined {
  const dir = samplesDir();
  if (!dir || !existsSync(join(dir, name))) {
    process.stdout.write(`      [skip] public Kanta sample ${name} not found (set KGW_SAMPLES_DIR or place ../shared/samples)\n`);
    return undefined;
  }
  return readFileSync(join(dir, name), 'utf8');
}

/** The form asia_S.xml was signed in. */
export function compactSignedForm(xml: string): string {
  return xml.replace(/\s+(<!--)/g, '$1').replace(/<!--[\s\S]*?-->/g, '').replace(/>\s+</g, '><');
}
