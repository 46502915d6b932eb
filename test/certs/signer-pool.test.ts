import { expect } from 'chai';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SignerPool } from '../../certs/signer-pool.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { loadCredential } from '../../certs/credential.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import { initTestPki, type TestPkiManifest } from '../../certs/test-pki.ts';
import { GatewayError, errorCodeOf } from '../../domain/errors.ts';
import { ORG1, ORG2, sampleDoc, tempDir, xmlsecVerifies } from './helpers.ts';

describe('certs/signer-pool', function () {
  this.timeout(60_000);
  let pki: TestPkiManifest;
  let pool: SignerPool;
  let caPem: string;

  before(async () => {
    pki = await initTestPki(tempDir('pool'));
    caPem = readFileSync(pki.ca.certFile, 'utf8');
    pool = await SignerPool.start({
      identities: [
        { id: 'org1', organisation: ORG1, certificates: [pki.signing[ORG1]!] },
        { id: 'org2', organisation: ORG2, certificates: [pki.signing[ORG2]!] },
      ],
      threads: 2,
      selfCheck: true,
    });
  });

  after(() => pool?.close());

  it('refuses for good (not retryable) a document whose structure defeats the signer, e.g. 200 000 levels deep', async () => {
    const depth = 200_000;
    const deep = sampleDoc(39).replace(/(<realmCode [^>]*\/>)/, `$1${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}`);
    const err = await pool.sign('org1', deep).then(() => undefined, (e: unknown) => e);
    // Whichever step gives up first (the signer's stack, or its self-check), the code is one the send
    // lane parks at once instead of retrying for the whole budget.
    const code = errorCodeOf(err)!;
    expect(code).to.be.oneOf(['SIGN_DOCUMENT_UNSIGNABLE', 'SIGN_SELF_CHECK_FAILED']);
    expect(new GatewayError(code).retryable).to.equal(false);
  });

  it('verifies on a worker thread with the same verdicts as verifyDocumentSignatures', async () => {
    const { signedXml } = await pool.sign('org1', sampleDoc(31));
    const good = await pool.verify(signedXml, { trustedCaPems: [caPem], expectedSignerOids: [ORG1], requireSystemSignature: true });
    expect(good.valid, good.reason).to.equal(true);
    expect(good.chainChecked).to.equal(true);
    const wrongOrg = await pool.verify(signedXml, { trustedCaPems: [caPem], expectedSignerOids: [ORG2] });
    expect(wrongOrg.valid).to.equal(false);
    const tampered = signedXml.replace(/(<text mediaType="application\/xhtml\+xml" representation="B64">)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
    const bad = await pool.verify(tampered, { trustedCaPems: [caPem] });
    expect(bad.valid).to.equal(false);
    expect(bad).to.deep.equal(verifyDocumentSignatures(tampered, { trustedCaPems: [caPem] }));
  });

  it('signs in a worker: the output verifies (ours and xmlsec1) and carries a passed self-check', async () => {
    const { signedXml, receipt } = await pool.sign('org2', sampleDoc(20));
    expect(receipt.selfCheck).to.equal('passed');
    expect(receipt.signer.serialNumber).to.equal(ORG2);
    const r = verifyDocumentSignatures(signedXml, { trustedCaPems: [caPem], expectedSignerOids: [ORG2], requireSystemSignature: true });
    expect(r.valid, r.reason).to.equal(true);
    expect(xmlsecVerifies(signedXml, { trustedPem: pki.ca.certFile })).to.equal(true);
  });

  it('gives byte-for-byte the single-thread output for the same time and signature id', async () => {
    const now = new Date(Date.now() - 3_600_000);
    const doc = sampleDoc(21);
    const pooled = await pool.sign('org1', doc, { now });
    const single = signSystem(doc, loadCredential(pki.signing[ORG1]!, {}), { now, signatureId: pooled.receipt.signatureId });
    expect(pooled.signedXml).to.equal(single.signedXml);
    expect({ ...pooled.receipt, selfCheck: 'not-run' }).to.deep.equal(single.receipt);
  });

  it('does not block the event loop while 50 signatures run', async () => {
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const t = performance.now();
      longestGap = Math.max(longestGap, t - last);
      last = t;
      ticks++;
    }, 2);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.sign(i % 2 ? 'org1' : 'org2', sampleDoc(100 + i))));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(results).to.have.length(50);
    expect(new Set(results.map((r) => r.receipt.signatureId)).size).to.equal(50);
    // One signature with self-check costs ~10 ms of CPU; a blocked loop would tick ~0 times and gap for the whole run.
    expect(ticks).to.be.greaterThan(elapsed / 2 / 10);
    expect(longestGap).to.be.lessThan(Math.max(100, elapsed / 2));
  });

  it('drains what is queued in batches per key: each caller gets its own document back, a bad one fails alone', async () => {
    const docs = Array.from({ length: 40 }, (_, i) => ({ id: i % 3 === 0 ? 'org2' : 'org1', xml: i === 17 ? '<notCda/>' : sampleDoc(300 + i) }));
    const before = { ...pool.batchStats };
    const settled = await Promise.allSettled(docs.map((d) => pool.sign(d.id, d.xml)));
    expect(pool.queuedDocuments).to.equal(0);
    // Two threads hold two batches each; the other 36 documents waited and went out several to a message.
    const batches = pool.batchStats.batches - before.batches;
    expect(pool.batchStats.documents - before.documents).to.equal(40);
    expect(batches).to.be.lessThan(40 - 4);
    settled.forEach((r, i) => {
      if (i === 17) {
        expect(r.status).to.equal('rejected');
        expect(errorCodeOf((r as PromiseRejectedResult).reason)).to.equal('INTAKE_NOT_CDA');
        return;
      }
      expect(r.status).to.equal('fulfilled');
      const { signedXml, receipt } = (r as PromiseFulfilledResult<{ signedXml: string; receipt: { bodyId: string; signer: { serialNumber?: string } } }>).value;
      expect(receipt.bodyId).to.equal(/<nonXMLBody[^>]*ID="([^"]+)"/.exec(docs[i]!.xml)![1]);
      expect(receipt.signer.serialNumber).to.equal(docs[i]!.id === 'org2' ? ORG2 : ORG1);
      expect(signedXml.startsWith(docs[i]!.xml.slice(0, 200))).to.equal(true);
    });
  });

  it('brings errors back as GatewayError with their code', async () => {
    const unknown = await pool.sign('nobody', sampleDoc(22)).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(GatewayError);
    expect(errorCodeOf(unknown)).to.equal('ROUTE_NO_SIGNING_IDENTITY');
    const notCda = await pool.sign('org1', '<x/>').catch((e: unknown) => e);
    expect(errorCodeOf(notCda)).to.equal('INTAKE_NOT_CDA');
  });

  it('refuses to start when a worker cannot load its keys', async () => {
    const err = await SignerPool.start({ identities: [{ id: 'x', certificates: [{ certFile: pki.signing[ORG1]!.certFile, keyFile: pki.signing[ORG2]!.keyFile }] }], threads: 1 }).catch((e: unknown) => e);
    expect(errorCodeOf(err)).to.equal('CERT_KEY_MISMATCH');
  });

  it('reload() makes every worker sign with the new certificate', async () => {
    const dir = tempDir('pool-reload');
    const certFile = path.join(dir, 'c.pem');
    const keyFile = path.join(dir, 'k.pem');
    copyFileSync(pki.signing[ORG1]!.certFile, certFile);
    copyFileSync(pki.signing[ORG1]!.keyFile, keyFile);
    const small = await SignerPool.start({ identities: [{ id: 'org', certificates: [{ certFile, keyFile }] }], threads: 2 });
    try {
      const before = await Promise.all([small.sign('org', sampleDoc(30)), small.sign('org', sampleDoc(31))]);
      expect(before.map((r) => r.receipt.signer.serialNumber)).to.deep.equal([ORG1, ORG1]);
      copyFileSync(pki.signing[ORG2]!.certFile, certFile);
      copyFileSync(pki.signing[ORG2]!.keyFile, keyFile);
      await small.reload();
      const after = await Promise.all([small.sign('org', sampleDoc(32)), small.sign('org', sampleDoc(33)), small.sign('org', sampleDoc(34))]);
      expect(after.map((r) => r.receipt.signer.serialNumber)).to.deep.equal([ORG2, ORG2, ORG2]);
      await small.reload([{ id: 'renamed', certificates: [{ certFile, keyFile }] }]);
      expect((await small.sign('renamed', sampleDoc(35))).receipt.signer.serialNumber).to.equal(ORG2);
    } finally {
      await small.close();
    }
    const closed = await small.sign('org', sampleDoc(36)).catch((e: unknown) => e);
    expect(errorCodeOf(closed)).to.equal('SIGN_FAILED');
  });
});
