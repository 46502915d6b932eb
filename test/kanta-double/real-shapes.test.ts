// Issue 13 on the double's side: real Kanta documents pass. An asiakkuusasiakirja without functionCode
// (service tasks in the JSON), professionally signed documents without a system signature, every
// signature verified (a tampered professional one refused), several issuing CAs, a non-CA refused at
// start, and the public sample asia_S.xml verified only in the form it was signed in.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCda } from '../../adapters/kanta-double/cda-reader.ts';
import { DoubleRefusal } from '../../adapters/kanta-double/detail-codes.ts';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { loadSigningCas, verifySignatures } from '../../adapters/kanta-double/signature-check.ts';
import { runKantaDoubleCommand } from '../../adapters/kanta-double/cli.ts';
import { GatewayError } from '../../domain/errors.ts';
import { compactSignedForm, readSample } from '../helpers/samples.ts';
import { AP1, ORG_A, UNIT_A, UNIT_P, baseOptions, frameFor, makeDoc, post, testPki } from './support/double-fixture.ts';
import { makeCa, makeLeaf } from './support/test-pki.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof DoubleRefusal) return err.code;
    throw err;
  }
}

describe('kanta double: real Kanta shapes (issue 13)', () => {
  let double: KantaDouble;
  before(async () => { testPki(); double = await startKantaDouble(baseOptions()); });
  after(async () => { await double.close(); });
  beforeEach(() => double.reset());

  it('archives an asiakkuusasiakirja without functionCode and takes its service tasks from the JSON', async () => {
    const doc = makeDoc({
      documentGroup: '1',
      rights: { '24': [{ unit: UNIT_P, start: '2026-09-01' }], '31': [] },
      beforeSign: (x) => x.replace(/<hl7fi:functionCode [^>]*\/>/, ''),
    });
    expect(doc.bytes.toString()).not.to.include('functionCode');
    const r = await post(double.url, frameFor(doc));
    expect([r.ack, r.code], r.body.slice(0, 1500)).to.deep.equal(['AA', undefined]);
    expect(double.inspect().archived.map((a) => a.documentId)).to.deep.equal([doc.meta.id]);
  });

  it('still refuses a client document (group 5) without functionCode', async () => {
    const r = await post(double.url, frameFor(makeDoc({ beforeSign: (x) => x.replace(/<hl7fi:functionCode [^>]*\/>/, '') })));
    expect([r.ack, r.code]).to.deep.equal(['AR', 'CDA_MISSING_FIELD']);
  });

  it('archives a document with two professional signatures and no system signature', async () => {
    const doc = makeDoc({ signer: null, professionalSigners: [testPki().professional1, testPki().professional2] });
    expect(doc.bytes.toString().match(/signatureDescription code="1"/g)).to.have.length(2);
    expect(doc.bytes.toString()).not.to.include('signatureDescription code="3"');
    const r = await post(double.url, frameFor(doc));
    expect([r.ack, r.code], r.body.slice(0, 1500)).to.deep.equal(['AA', undefined]);
  });

  it('archives a document with a professional and a system signature', async () => {
    const r = await post(double.url, frameFor(makeDoc({ professionalSigners: [testPki().professional1] })));
    expect([r.ack, r.code], r.body.slice(0, 1500)).to.deep.equal(['AA', undefined]);
  });

  it('refuses a tampered second professional signature though the first verifies', async () => {
    const doc = makeDoc({
      signer: null,
      professionalSigners: [testPki().professional1, testPki().professional2],
      afterSign: (x) => {
        const values = [...x.matchAll(/<ds:SignatureValue>/g)];
        const at = (values[1]?.index ?? 0) + '<ds:SignatureValue>'.length;
        return `${x.slice(0, at)}${x[at] === 'A' ? 'B' : 'A'}${x.slice(at + 1)}`;
      },
    });
    const r = await post(double.url, frameFor(doc));
    expect([r.ack, r.code]).to.deep.equal(['AE', 'SIGNATURE_INVALID']);
    expect(r.body).to.include('hl7fi:signature[2]');
  });

  it('trusts several issuing CAs, also given as one PEM bundle', async () => {
    const pki = testPki();
    const two = await startKantaDouble(baseOptions({ signingCaPems: [`${pki.otherCa.certPem}\n${pki.signingCa.certPem}`] }));
    try {
      expect((await post(two.url, frameFor(makeDoc({ signer: pki.signerForeign })))).ack).to.equal('AA');
      expect((await post(two.url, frameFor(makeDoc({ signer: pki.signerA })))).ack).to.equal('AA');
      const third = makeCa('Not loaded CA');
      const stranger = makeLeaf(third, { cn: 'x', serialNumber: ORG_A, keyUsage: { digitalSignature: true } });
      expect((await post(two.url, frameFor(makeDoc({ signer: stranger })))).code).to.equal('SIGNATURE_CERT_UNTRUSTED');
    } finally {
      await two.close();
    }
  });

  it('refuses at start a signing CA that is not a CA certificate', async () => {
    let err: unknown;
    try {
      await startKantaDouble(baseOptions({ signingCaPems: [testPki().signingCa.certPem, testPki().signerA.certPem] }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('CONFIG_INVALID');
    expect((err as GatewayError).message).to.match(/#2 is not a CA certificate/);
    expect(() => loadSigningCas(['no pem here'])).to.throw(GatewayError, /holds no PEM certificate/);
  });

  it('the command refuses --signing-ca with a leaf certificate (exit 2, coded message)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanta-double-ca-'));
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    try {
      writeFileSync(join(dir, 'leaf.pem'), testPki().signerA.certPem);
      writeFileSync(join(dir, 'double.json'), JSON.stringify({ accessPoints: [{ senderId: AP1, organisations: [ORG_A], signerOids: [ORG_A] }], serviceUnits: [{ oid: UNIT_A, organisation: ORG_A }] }));
      process.stderr.write = ((chunk: string) => { stderr.push(String(chunk)); return true; }) as typeof process.stderr.write;
      const code = await runKantaDoubleCommand(['--config', join(dir, 'double.json'), '--signing-ca', join(dir, 'leaf.pem'), '--port', '0']);
      process.stderr.write = write;
      expect(code).to.equal(2);
      expect(stderr.join('')).to.match(/CONFIG_INVALID: kanta-double signing CA #1 is not a CA certificate/);
    } finally {
      process.stderr.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the public sample asia_S.xml (two professional signatures, DVV TEST certificates)', () => {
    const published = readSample('asia_S.xml');
    const cas = loadSigningCas([testPki().signingCa.certPem]);
    const policy = { allowedSystemSigners: [], requireSystemSignature: false };
    const read = (xml: string) => readCda(Buffer.from(xml, 'utf8'), { testPersonsOnly: true, functionCodeOptionalGroups: ['1'], today: '2026-12-02' });

    it('the as-published (re-indented) file does not verify', function () {
      if (!published) return this.skip();
      expect(codeOf(() => verifySignatures(read(published), cas, policy))).to.equal('SIGNATURE_INVALID');
    });

    it('the compact, as-signed form verifies cryptographically; only the DVV chain is missing', function () {
      if (!published) return this.skip();
      expect(codeOf(() => verifySignatures(read(compactSignedForm(published)), cas, policy))).to.equal('SIGNATURE_CERT_UNTRUSTED');
    });

    it('a change to the compact form is refused as invalid, not merely untrusted', function () {
      if (!published) return this.skip();
      // Both sample signatures also sign their own signatureTimestamp: move the first one by a second.
      const tampered = compactSignedForm(published).replace('2026-03-23T08:50:35.', '2026-03-23T08:50:36.');
      expect(tampered).not.to.equal(compactSignedForm(published));
      expect(codeOf(() => verifySignatures(read(tampered), cas, policy))).to.equal('SIGNATURE_INVALID');
    });
  });
});
