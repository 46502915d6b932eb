// The short variant of `npm run chaos` inside npm test (issue 16): real processes, a few kill -9s of the
// gateway, a Redis SIGKILL under appendfsync everysec, and the archive resetting connections after it
// stored the document. Each must end with every document archived exactly once, none lost, none stored
// twice, none parked, and no usage-log entry missing.
import { expect } from 'chai';
import { SHORT, runScenario, scenarios } from './scenarios.ts';
import { chaosTable } from './verdict.ts';

const IN_NPM_TEST = ['gateway kill -9', 'redis SIGKILL (everysec)', 'archive reset after storing'];

describe('chaos (short variant, real processes)', function () {
  this.timeout(240_000);
  for (const s of scenarios({ ...SHORT, documents: 30 }, new Set(IN_NPM_TEST))) {
    it(`${s.name}: 0 lost, 0 stored twice, 0 parked, 0 usage-log entries missing`, async () => {
      const t = await runScenario(s, { ...SHORT, documents: 30 });
      console.log(chaosTable([t]).split('\n').map((l) => `      ${l}`).join('\n'));
      expect(t.pass, `${t.notes.join('; ')}`).to.equal(true);
      expect({ lost: t.lost, storedTwice: t.storedTwice, parked: t.parked, usageLogMissing: t.usageLogMissing, archivedOnce: t.archivedOnce }).to.deep.equal({ lost: 0, storedTwice: 0, parked: 0, usageLogMissing: 0, archivedOnce: 30 });
    });
  }
});
