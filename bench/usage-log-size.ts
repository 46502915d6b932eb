// Bytes per usage-log entry in Redis and in sealed gzip segments, for the sizing in docs/operations.md:
// N entries of the mix a document writes (intake-accepted + archived), then one sealing pass.
// Run: npx tsx bench/usage-log-size.ts
import { Redis } from 'ioredis';
import { mkdtempSync, statSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRedis } from '../queues/local-redis-server.ts';
import { AuditLog } from '../gateway/audit/audit-log.ts';
import { AuditSealer } from '../gateway/audit/segment-sealer.ts';
import { intakeAcceptedEvent, documentFinishedEvent } from '../gateway/audit/audit-events.ts';
import { makeHetu } from '../adapters/cda/hetu.ts';
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../gateway/audit/verify-chain.ts';

const server = await startLocalRedis();
const redis = new Redis(server.url);
const log = new AuditLog(redis, { prefix: 'm', clientKeySecret: 's' });
const org = '1.2.246.10.11111111.10.0';
const N = 20000;
const before = Number((await redis.info('memory')).match(/used_memory:(\d+)/)![1]);
let textBytes = 0;
for (let i = 0; i < N / 2; i++) {
  const documentId = `${org}.95.${100000 + i}`;
  const rec = { tenant: 'region', documentId, controller: org, writerOrganisation: org, attempts: 1 };
  const a = await log.append(intakeAcceptedEvent({ tenant: { id: 'region' }, meta: { documentId, client: { root: '1.2.246.21', extension: makeHetu(1, 2, 1990, 900 + (i % 99)) } }, operation: 'archive', decision: { controller: org, writerOrganisation: org, ruleId: 'R-OWN', usageSituation: 'own' } as any, submissionId: randomUUID() }));
  const b = await log.append(documentFinishedEvent({ record: rec as any, status: 'archived' })!);
  textBytes += canonicalJson(a).length + canonicalJson(b).length + 2;
}
const after = Number((await redis.info('memory')).match(/used_memory:(\d+)/)![1]);
const usage = await redis.call('MEMORY', 'USAGE', `m:audit:${org}`, 'SAMPLES', '0') as number;
const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-measure-'));
const t0 = Date.now();
const sealer = new AuditSealer({ redis, prefix: 'm', dir, sealAfterMs: 0, maxEntries: 50000 });
await sealer.sealAll();
const sealMs = Date.now() - t0;
const files = readdirSync(path.join(dir, org));
const gz = files.filter((f) => f.endsWith('.gz')).reduce((n, f) => n + statSync(path.join(dir, org, f)).size, 0);
const afterSeal = Number((await redis.info('memory')).match(/used_memory:(\d+)/)![1]);
const usage2 = await redis.call('MEMORY', 'USAGE', `m:audit:${org}`, 'SAMPLES', '0') as number;
console.log({ N, ndjsonBytesPerEntry: (textBytes / N).toFixed(0), redisUsedPerEntry: ((after - before) / N).toFixed(0), streamMemoryUsagePerEntry: (usage / N).toFixed(0), gzipBytesPerEntry: (gz / N).toFixed(1), sealMs, streamBytesAfterSeal: usage2, usedMemoryFreed: after - afterSeal, files });
await redis.quit(); await server.stop();
