// Configuration reload of a running `kanta-gateway serve` process on SIGHUP: a good file is applied
// without restart, a broken one is refused and the last good version stays in force.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKantaDouble, type KantaDouble } from '../../adapters/kanta-double/server.ts';
import { demoDoubleOptions } from '../../gateway/demo/demo-environment.ts';
import { startLocalRedis, type LocalRedis } from '../../queues/local-redis-server.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';
import { startGatewayProcess, writeGatewayConfig, type GatewayConfigFile, type GatewayProcess } from '../helpers/processes.ts';

describe('configuration reload on SIGHUP (real process)', function () {
  this.timeout(60_000);
  let redis: LocalRedis;
  let double: KantaDouble;
  let cfg: GatewayConfigFile;
  let gateway: GatewayProcess;

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-reload-'));
    redis = await startLocalRedis();
    const pki = await sharedDemoPki();
    double = await startKantaDouble(demoDoubleOptions(pki));
    cfg = await writeGatewayConfig(dir, pki, redis.url, double.url);
    gateway = await startGatewayProcess(cfg.configFile, cfg.port);
  });
  after(async () => {
    await gateway?.kill();
    await double?.close();
    await redis?.stop();
  });

  const configInfo = async () => {
    const r = await fetch(`${gateway.url}/v1/ops/config`, { headers: { authorization: `Bearer ${cfg.tokens.ops}` } });
    return (await r.json()) as { version: string; lastReloadError?: string };
  };
  const until = async (check: () => Promise<boolean>) => {
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('condition not reached');
  };

  it('applies a changed file, keeps the last good version on a broken one, and keeps serving', async () => {
    const first = await configInfo();
    const original = readFileSync(cfg.configFile, 'utf8');
    writeFileSync(cfg.configFile, original.replace(/waitMs: 20/, 'waitMs: 25'));
    gateway.child.kill('SIGHUP');
    await until(async () => (await configInfo()).version !== first.version);
    const second = await configInfo();
    expect(second.lastReloadError).to.equal(undefined);

    writeFileSync(cfg.configFile, original.replace(/kind: welfare-region/, 'kind: not-a-kind'));
    gateway.child.kill('SIGHUP');
    await until(async () => (await configInfo()).lastReloadError !== undefined);
    const third = await configInfo();
    expect(third.version).to.equal(second.version);
    expect(third.lastReloadError).to.match(/organisations\.0\.kind/);
    expect((await fetch(`${gateway.url}/readyz`)).status).to.equal(200);
  });
});
