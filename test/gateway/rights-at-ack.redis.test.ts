// Rights an organizer's asiakkuusasiakirja grants take effect when the archive acknowledges it (AA), not
// at intake (issue 13): a provider's document relying on them waits for it; when the archive refuses the
// asiakkuusasiakirja, the right is withdrawn and the provider is refused at intake afterwards.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'test-secret';

describe('end to end: registry-use rights take effect at the archive acknowledgement', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  let redis: Redis;
  let rights: RegistryRightStore;

  before(async () => {
    env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-rights-ack-')) });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: SECRET } });
    redis = new Redis(env.redis.url);
    rights = new RegistryRightStore(redis, { prefix: 'kgw', clientKeySecret: SECRET });
  });
  after(async () => {
    await redis?.quit();
    await gw?.close();
    await env?.stop();
  });

  const relationshipFor = (hetu: string, documentId: string) =>
    makeSampleCda({ documentId, custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu, functionCode: DEMO.serviceTask, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, start: '2026-09-01' }] } });
  const providerNote = (hetu: string) => makeSampleCda({ documentId: newDocumentId(DEMO.hoiva.oid), custodian: DEMO.region.oid, serviceUnit: DEMO.hoiva.unit, hetu, functionCode: DEMO.serviceTask });
  const client = (hetu: string) => ({ root: '1.2.246.21', extension: hetu });

  it('holds the right pending until AA; the provider document accepted meanwhile waits for it and is archived after it', async () => {
    const hetu = makeHetu(4, 5, 2011, 931);
    const relationship = newDocumentId(DEMO.region.oid);
    env.double.setFaults({ latency: { fixedMs: 1_500 } });
    try {
      expect((await submit(gw.url, env.tokens.region, relationshipFor(hetu, relationship))).status).to.equal(202);
      expect(await rights.current(DEMO.region.oid, client(hetu))).to.include({ pending: true });
      const note = await submit(gw.url, env.tokens.hoiva, providerNote(hetu));
      expect(note.status, JSON.stringify(note.body)).to.equal(202);
      expect((note.body.routing as { ruleId: string }).ruleId).to.equal('R-REGISTRY-RIGHT');
      const noteId = note.body.documentId as string;
      const st = await waitFor(() => statusOf(gw.url, env.tokens.hoiva, noteId), (s) => s.status === 'archived', 30_000);
      expect(st.status).to.equal('archived');
      expect(st.dependsOn).to.deep.equal([relationship]);
      const rel = await statusOf(gw.url, env.tokens.region, relationship);
      expect(Date.parse(rel.updatedAt as string)).to.be.at.most(Date.parse(st.updatedAt as string));
    } finally {
      env.double.setFaults({});
    }
    const inForce = await waitFor(() => rights.current(DEMO.region.oid, client(hetu)), (r) => r?.pending === undefined, 10_000);
    expect(inForce?.pending).to.equal(undefined);
    expect(inForce?.source).to.include({ kind: 'document', documentId: relationship });
  });

  it('withdraws the right when the archive refuses the asiakkuusasiakirja: a later provider document is refused at intake', async () => {
    const hetu = makeHetu(6, 7, 2012, 932);
    const relationship = newDocumentId(DEMO.region.oid);
    env.double.setFaults({ forcedErrors: { [relationship]: 'CDA_HETU_INVALID' } });
    try {
      expect((await submit(gw.url, env.tokens.region, relationshipFor(hetu, relationship))).status).to.equal(202);
      const rel = await waitFor(() => statusOf(gw.url, env.tokens.region, relationship), (s) => s.status === 'rejected' || s.status === 'parked', 30_000);
      expect(rel.status).to.be.oneOf(['rejected', 'parked']);
    } finally {
      env.double.setFaults({});
    }
    await waitFor(() => rights.current(DEMO.region.oid, client(hetu)), (r) => r === undefined, 10_000);
    expect(await rights.current(DEMO.region.oid, client(hetu))).to.equal(undefined);
    const late = await submit(gw.url, env.tokens.hoiva, providerNote(hetu));
    expect(late.status).to.equal(403);
    expect((late.body.error as { code: string }).code).to.equal('RIGHT_NOT_FOUND');
  });
});
