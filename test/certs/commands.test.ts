import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { certsListCommand, initTestPkiCommand, signCommand, verifyCommand } from '../../certs/commands.ts';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import { ORG1, compactSample, publishedSamplePath, sampleDoc, tempDir, xmlsecVerifies } from './helpers.ts';

describe('certs/commands', function () {
  this.timeout(60_000);
  let dir: string;
  let pki: TestPkiManifest;

  before(async () => {
    dir = tempDir('cmd');
    const res = await initTestPkiCommand([path.join(dir, 'pki'), '--orgs', `${ORG1}=Testin hyvinvointialue`, '--access-points', 'ap-one=1.2.246.10.12345678.10.0.99.1']);
    expect(res.exitCode, res.stderr).to.equal(0);
    pki = JSON.parse(res.stdout) as TestPkiManifest;
  });

  it('init-test-pki writes the files and manifest.json it prints', () => {
    expect(Object.keys(pki.signing)).to.deep.equal([ORG1]);
    expect(Object.keys(pki.tlsClients)).to.deep.equal(['ap-one']);
    for (const f of [pki.ca.certFile, pki.signing[ORG1]!.keyFile, pki.tlsServer.certFile, pki.tlsClients['ap-one']!.certFile]) expect(existsSync(f), f).to.equal(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'pki', 'manifest.json'), 'utf8'))).to.deep.equal(pki);
  });

  it('init-test-pki refuses bad arguments with exit code 2', async () => {
    expect((await initTestPkiCommand([])).exitCode).to.equal(2);
    expect((await initTestPkiCommand([dir, '--bits', '1024'])).exitCode).to.equal(2);
    expect((await initTestPkiCommand([dir, '--orgs', 'no-equals-sign'])).exitCode).to.equal(2);
    expect((await initTestPkiCommand([dir, '--what'])).exitCode).to.equal(2);
  });

  it('sign prints the signed CDA, or writes --out and prints the receipt; verify accepts it', () => {
    const input = path.join(dir, 'doc.xml');
    writeFileSync(input, sampleDoc(40));
    const { certFile, keyFile } = pki.signing[ORG1]!;
    const printed = signCommand([input, '--key', keyFile, '--cert', certFile]);
    expect(printed.exitCode, printed.stderr).to.equal(0);
    expect(printed.stdout).to.contain('<hl7fi:signatureDescription code="3"');
    expect(xmlsecVerifies(printed.stdout, { trustedPem: pki.ca.certFile })).to.equal(true);

    const out = path.join(dir, 'signed.xml');
    const written = signCommand([input, '--key', keyFile, '--cert', certFile, '--out', out]);
    expect(written.exitCode).to.equal(0);
    expect(JSON.parse(written.stdout)).to.have.property('selfCheck', 'passed');

    const withCa = verifyCommand([out, '--ca', pki.ca.certFile, '--expect-org', ORG1, '--require-system']);
    expect(withCa.exitCode).to.equal(0);
    const report = JSON.parse(withCa.stdout);
    expect(report).to.include({ valid: true, chainChecked: true, reason: null });
    expect(report.signer).to.include({ serialNumber: ORG1 });
    expect(report.references).to.have.length(2);

    const noCa = JSON.parse(verifyCommand([out]).stdout);
    expect(noCa.chainChecked).to.equal(false);
    expect(noCa.note).to.match(/embedded certificate only/);

    expect(verifyCommand([out, '--expect-org', '1.2.3']).exitCode).to.equal(1);
  });

  it('sign fails with a coded message for a wrong key and for a non-CDA input', () => {
    const input = path.join(dir, 'bad.xml');
    writeFileSync(input, '<x/>');
    const r = signCommand([input, '--key', pki.tlsServer.keyFile, '--cert', pki.signing[ORG1]!.certFile]);
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.match(/^CERT_KEY_MISMATCH:/);
    const notCda = signCommand([input, '--key', pki.signing[ORG1]!.keyFile, '--cert', pki.signing[ORG1]!.certFile]);
    expect(notCda.stderr).to.match(/^INTAKE_NOT_CDA:/);
    expect(signCommand([input]).exitCode).to.equal(2);
  });

  it('verify exits 1 on the published sample and 0 on its compact form', function () {
    const samplePath = publishedSamplePath(this);
    expect(verifyCommand([samplePath]).exitCode).to.equal(1);
    const compact = path.join(dir, 'compact.xml');
    writeFileSync(compact, compactSample(samplePath));
    const r = verifyCommand([compact]);
    expect(r.exitCode).to.equal(0);
    expect(JSON.parse(r.stdout).signatures).to.have.length(2);
  });

  it('certs list shows every identity and usage with subject, serial, notAfter and days left', () => {
    const config = path.join(dir, 'gateway.yaml');
    const p = pki;
    writeFileSync(config, `
gateway:
  tls: { certFile: ${p.tlsServer.certFile}, keyFile: ${p.tlsServer.keyFile} }
kanta:
  accessPoints:
    - id: ap-one
      url: https://127.0.0.1:9443/kanta
      senderId: 1.2.246.10.12345678.10.0.99.1
      tls: { client: { certFile: ${p.tlsClients['ap-one']!.certFile}, keyFile: ${p.tlsClients['ap-one']!.keyFile} }, caFile: ${p.ca.certFile} }
organisations:
  - { oid: ${ORG1}, name: Testin hyvinvointialue, kind: welfare-region }
signingIdentities:
  - id: org1-system
    organisation: ${ORG1}
    certificates: [{ certFile: ${p.signing[ORG1]!.certFile}, keyFile: ${p.signing[ORG1]!.keyFile} }]
tenants:
  - id: tenant-one
    name: Tenant One
    credentials: { apiTokenSha256: ['${'a'.repeat(64)}'] }
    actsFor: [{ organisation: ${ORG1}, joining: { model: direct } }]
    accessPoint: ap-one
    signingIdentity: org1-system
`);
    const text = certsListCommand([config], {});
    expect(text.exitCode, text.stderr).to.equal(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^IDENTITY\s+USAGE\s+SUBJECT\s+SERIAL\s+NOT AFTER\s+DAYS LEFT\s+STATE$/);
    expect(lines).to.have.length(4);
    expect(text.stdout).to.match(/org1-system\s+system-signature\s+C=FI, O=Testin hyvinvointialue/);
    expect(text.stdout).to.match(/ap-one\s+tls-client/);
    expect(text.stdout).to.match(/gateway\s+tls-server/);
    const rows = JSON.parse(certsListCommand([config, '--json'], {}).stdout);
    expect(rows.map((r: { identityId: string; usage: string; daysLeft: number; active: boolean }) => [r.identityId, r.usage, r.daysLeft, r.active])).to.deep.equal([
      ['org1-system', 'system-signature', 729, true],
      ['ap-one', 'tls-client', 364, true],
      ['gateway', 'tls-server', 364, true],
    ]);
    writeFileSync(p.tlsServer.keyFile, 'broken');
    const broken = certsListCommand([config], {});
    expect(broken.exitCode).to.equal(1);
    expect(broken.stdout).to.match(/not loaded: CERT_LOAD_FAILED/);
  });
});
