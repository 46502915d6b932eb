// The dependency rules of docs/architecture.md (.dependency-cruiser.cjs), checked on every npm test:
// domain/ is a leaf, routing is pure, certs/ knows no HTTP or queues, config/ nothing of the gateway,
// the Kanta double nothing of our builder, signer or routing, and no cycles.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const config = require(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;
const SOURCE_FOLDERS = ['domain', 'gateway', 'adapters', 'queues', 'certs', 'config', 'bin'];

async function violationsIn(baseDir: string, folders: string[]): Promise<string[]> {
  const result = await cruise(folders, { ...config.options, ruleSet: { forbidden: config.forbidden }, baseDir, validate: true, tsConfig: { fileName: path.join(root, 'tsconfig.json') } } as never);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
}

describe('architecture: dependency rules', function () {
  this.timeout(60_000);

  it('hold for the whole source tree', async () => {
    const violations = await violationsIn(root, SOURCE_FOLDERS);
    expect(violations, violations.join('\n')).to.deep.equal([]);
  });

  it('catch a domain/ module that imports the gateway, a cycle and an impure routing module', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kgw-deps-'));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      };
      write('domain/model.ts', "import { helper } from '../gateway/helper.ts';\nexport const model = helper;\n");
      write('gateway/helper.ts', "import { model } from '../domain/model.ts';\nexport const helper = 1;\nexport const again = model;\n");
      write('gateway/routing/decide.ts', "import { readFileSync } from 'node:fs';\nexport const decide = readFileSync;\n");
      const violations = await violationsIn(dir, ['domain', 'gateway']);
      expect(violations.some((v) => v.startsWith('domain-is-a-leaf: domain/model.ts → gateway/helper.ts'))).to.equal(true, violations.join('\n'));
      expect(violations.some((v) => v.startsWith('no-cycles:'))).to.equal(true, violations.join('\n'));
      expect(violations.some((v) => v.startsWith('routing-is-pure: gateway/routing/decide.ts'))).to.equal(true, violations.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
