// A configuration reload goes into the usage log: who (operator or `signal`), the versions before and
// after, in the chain of every organisation of either version; a refused reload too.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { AuditLog, type AuditRecord } from '../../gateway/audit/audit-log.ts';
import { reloadWithAudit } from '../../gateway/audit/config-reload-audit.ts';
import type { ReloadResult } from '../../config/config-holder.ts';
import { createLogger } from '../../gateway/logger.ts';

const A = '1.2.246.10.1001';
const B = '1.2.246.10.2001';
const C = '1.2.246.10.3001';

async function records(log: AuditLog, org: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of log.export(org)) out.push(r);
  return out;
}

describe('configuration reloads in the usage log (real Redis)', () => {
  const server = useRedis();
  let redis: Redis;
  let log: AuditLog;
  before(() => {
    redis = new Redis(server.url);
    log = new AuditLog(redis, { prefix: 'reload', clientKeySecret: 'secret' });
  });
  after(async () => {
    await redis.quit();
  });

  it('writes the operator, both versions and the outcome into every organisation of the old or new version', async () => {
    let version = 'v1';
    let orgs = [A, B];
    const deps = {
      reload: (): ReloadResult => {
        version = 'v2';
        orgs = [B, C];
        return { ok: true, version: 'v2', changed: true };
      },
      currentVersion: () => version,
      organisations: () => orgs,
      audit: log,
      logger: createLogger({ silent: true }),
    };
    const r = await reloadWithAudit(deps, { kind: 'ops', id: 'ops-anna' });
    expect(r).to.deep.equal({ ok: true, version: 'v2', changed: true });
    for (const org of [A, B, C]) {
      const [rec] = await records(log, org);
      expect(rec, org).to.deep.include({ action: 'ops', actor: { kind: 'ops', id: 'ops-anna' }, details: { operation: 'config-reload', outcome: 'applied', fromVersion: 'v1', toVersion: 'v2' } });
    }
  });

  it('logs a SIGHUP reload as system `signal`, and a refused one with the version kept', async () => {
    const deps = {
      reload: (): ReloadResult => ({ ok: false, error: new Error('bad file'), keptVersion: 'v2' }),
      currentVersion: () => 'v2',
      organisations: () => [A],
      audit: log,
      logger: createLogger({ silent: true }),
    };
    await reloadWithAudit(deps, { kind: 'system', id: 'signal' });
    const last = (await records(log, A)).at(-1)!;
    expect(last).to.deep.include({ actor: { kind: 'system', id: 'signal' }, details: { operation: 'config-reload', outcome: 'refused', fromVersion: 'v2' } });
  });
});
