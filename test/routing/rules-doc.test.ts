// docs/routing.md carries one row per rule of gateway/routing/rules.ts, with the same refusal code.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { RULES } from '../../gateway/routing/index.ts';
import { isErrorCode } from '../../domain/errors.ts';

describe('routing rule catalogue and docs/routing.md', () => {
  const doc = readFileSync(new URL('../../docs/routing.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `(R-[A-Z-]+)` \| .* \| (`([A-Z_]+)`|— \(accepts\)) \|$/gm)].map((m) => [m[1]!, m[3]]));

  it('documents every rule with its refusal code', () => {
    for (const [id, spec] of Object.entries(RULES)) {
      expect(rows.has(id), `docs/routing.md has no row for ${id}`).to.equal(true);
      expect(rows.get(id), id).to.equal((spec as { refusal?: string }).refusal);
    }
  });

  it('documents no rule the catalogue lacks, and refuses only with catalogue codes', () => {
    for (const id of rows.keys()) expect(Object.hasOwn(RULES, id), `${id} documented but not in rules.ts`).to.equal(true);
    for (const spec of Object.values(RULES)) {
      const code = (spec as { refusal?: string }).refusal;
      if (code) expect(isErrorCode(code), code).to.equal(true);
    }
  });
});
