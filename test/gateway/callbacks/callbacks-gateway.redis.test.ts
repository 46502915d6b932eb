// Callbacks wired into the running gateway (gateway/main.ts): a tenant with callbacks configured gets
// its document's accepted and archived events, signed with its key, from the real pipeline, the Kanta
// archive double and redis-server; its dead-letter view and the callback gauges answer.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../../adapters/cda/sample-document.ts';
import { verifySignature } from '../../../gateway/callbacks/callback-signature.ts';
import { statusOf, submit } from '../../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../../gateway/demo/document-ids.ts';
import { createLogger } from '../../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../../gateway/main.ts';
import { sharedDemoPki } from '../../helpers/demo-pki.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { Receiver } from './receiver.ts';

const KEY = 'perhe-callback-key-0123456789abcdef';

describe('callbacks in the running gateway (redis-server, Kanta double)', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;
  const receiver = new Receiver();

  before(async () => {
    await receiver.start('/kanta-events');
    env = await buildDemoEnvironment({
      dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-callbacks-e2e-')),
      pki: await sharedDemoPki(),
      override: (c) => {
        const perhe = c.tenants.find((t) => t.id === 'perhe')!;
        perhe.callbacks = { urls: [receiver.url], secretEnv: 'PERHE_CALLBACK_KEY', backoff: { initialMs: 20, maxMs: 100 } };
      },
    });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret', PERHE_CALLBACK_KEY: KEY }, callbackTimings: { pollMs: 50 } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
    await receiver.stop();
  });

  it('delivers the tenant\'s accepted and archived events, signed with its key; the view and the gauges answer', async () => {
    const docId = newDocumentId(DEMO.perhe.oid);
    const cda = makeSampleCda({ documentId: docId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(1, 2, 1990, 903), functionCode: '21' });
    const r = await submit(gw.url, env.tokens.perhe, cda);
    expect(r.status).to.equal(202);
    expect((await waitFor(() => statusOf(gw.url, env.tokens.perhe, docId), (s) => s.status === 'archived')).status).to.equal('archived');
    await waitFor(async () => receiver.received.length, (n) => n >= 2);
    const types = receiver.received.map((x) => JSON.parse(x.body) as { type: string; document: { documentId: string; controller: string } });
    expect(types.map((t) => t.type).sort()).to.deep.equal(['accepted', 'archived']);
    for (const t of types) expect(t.document).to.include({ documentId: docId, controller: DEMO.perhe.oid });
    for (const x of receiver.received) {
      expect(verifySignature(KEY, x.body, String(x.headers['kanta-gateway-signature']))).to.equal(true);
      expect(x.body, 'no hetu in a callback').to.not.include(makeHetu(1, 2, 1990, 903));
    }

    const own = await fetch(`${gw.url}/v1/callbacks/dead-letters`, { headers: { authorization: `Bearer ${env.tokens.perhe}` } });
    expect(own.status).to.equal(200);
    expect(await own.json()).to.deep.equal({ total: 0, items: [] });
    const ops = await fetch(`${gw.url}/v1/ops/callbacks/dead-letters`, { headers: { authorization: `Bearer ${env.tokens.ops}` } });
    expect(((await ops.json()) as { tenants: Array<{ tenant: string }> }).tenants.map((t) => t.tenant)).to.deep.equal(['perhe']);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).to.match(/^kgw_callback_dead_letters\{tenant="perhe"\} 0$/m);
    expect(metrics).to.match(/^kgw_callback_deliveries_total\{tenant="perhe",outcome="delivered"\} 2$/m);
    expect(metrics).to.match(/^kgw_callback_pending\{tenant="perhe"\} \d+$/m);
  });
});
