// signer.addSystemSignature: whenMissing (the default, issue 13 item 6): a document that already
// carries a valid system signature of its custodian goes to the archive exactly as it came — no second
// system signature — while a document without one is signed by the gateway as always.
import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { waitFor } from '../helpers/wait-for.ts';

const systemSignatures = (xml: string) => (xml.match(/signatureDescription code="3"/g) ?? []).length;

describe('end to end: a custodian system signature already in the document is kept, not doubled', function () {
  this.timeout(60_000);
  let env: DemoEnvironment;
  let gw: RunningGateway;

  before(async () => {
    env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-kept-sig-')) });
    gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
  });
  after(async () => {
    await gw?.close();
    await env?.stop();
  });

  const doc = (documentId: string) => makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(1, 2, 1990, 941), functionCode: '21' });

  it('sends the tenant-signed document byte for byte, with the kept signature as its receipt', async () => {
    const key = createPrivateKey(readFileSync(env.pki.signing[DEMO.perhe.oid]!.keyFile));
    const certificatePem = readFileSync(env.pki.signing[DEMO.perhe.oid]!.certFile, 'utf8');
    const id = newDocumentId(DEMO.perhe.oid);
    const { signedXml, receipt } = signSystem(doc(id), { privateKey: key, certificatePem });
    const r = await submit(gw.url, env.tokens.perhe, signedXml);
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, id), (s) => s.status === 'archived', 30_000);
    expect(st.status).to.equal('archived');
    const archived = env.double.archivedDocument(id)!;
    expect(archived.equals(Buffer.from(signedXml, 'utf8')), 'archived bytes equal the submitted bytes').to.equal(true);
    expect(systemSignatures(archived.toString('utf8'))).to.equal(1);
    expect(st.signature).to.include({ origin: 'document', signatureId: receipt.signatureId, timestampId: receipt.timestampId, bodyDigest: receipt.bodyDigest, selfCheck: 'passed' });
    expect((st.signature as { signer: { serialNumber: string } }).signer.serialNumber).to.equal(DEMO.perhe.oid);
  });

  it('signs a document that carries no system signature, as before', async () => {
    const id = newDocumentId(DEMO.perhe.oid);
    expect((await submit(gw.url, env.tokens.perhe, doc(id))).status).to.equal(202);
    const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, id), (s) => s.status === 'archived', 30_000);
    expect(st.status).to.equal('archived');
    expect(systemSignatures(env.double.archivedDocument(id)!.toString('utf8'))).to.equal(1);
    expect(st.signature).to.not.have.property('origin');
  });
});
