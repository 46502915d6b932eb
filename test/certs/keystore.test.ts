import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { loadCredential, SigningKeyStore } from '../../certs/keystore.ts';
import { toTlsOptions } from '../../certs/credential.ts';
import { initTestPki, issueSigningCertificate, type PemPair, type TestPkiManifest } from '../../certs/test-pki.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { ORG1, ORG2, tempDir } from './helpers.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return errorCodeOf(err) ?? `uncoded: ${(err as Error).message}`;
  }
  return undefined;
}

describe('certs/keystore', () => {
  let pki: TestPkiManifest;
  let dir: string;
  const DAY = 86_400_000;

  before(async function () {
    this.timeout(60_000);
    dir = tempDir('keystore');
    pki = await initTestPki(dir, { extras: true });
  });

  describe('loadCredential', () => {
    it('loads a PEM pair into a KeyObject with the certificate facts', () => {
      const cred = loadCredential(pki.signing[ORG1]!, {}, { usage: 'system-signature' });
      expect(cred.privateKey.type).to.equal('private');
      expect(cred.subjectSerialNumber).to.equal(ORG1);
      expect(cred.subject).to.contain('O=Testin hyvinvointialue').and.contain('CN=Asiakastietojärjestelmä');
      expect(cred.issuer).to.contain('Kanta Gateway TEST Service Certs CA');
      expect(cred.notAfter.getTime()).to.be.greaterThan(Date.now());
      expect(cred.certificatePem).to.match(/^-----BEGIN CERTIFICATE-----/);
    });

    for (const kind of ['p12Legacy3des', 'p12Aes256'] as const) {
      it(`opens a PKCS#12 file (${kind}) with the password from an env var, with its chain`, () => {
        const p = pki.extras![kind];
        const cred = loadCredential({ p12File: p.p12File, passwordEnv: 'P12_PW' }, { P12_PW: p.password }, { usage: 'system-signature' });
        expect(cred.subjectSerialNumber).to.equal(ORG1);
        expect(cred.chainPems).to.have.length(1);
      });

      it(`refuses a wrong PKCS#12 password (${kind}) with CERT_WRONG_PASSWORD`, () => {
        const p = pki.extras![kind];
        expect(codeOf(() => loadCredential({ p12File: p.p12File, passwordEnv: 'P12_PW' }, { P12_PW: 'not-it' }))).to.equal('CERT_WRONG_PASSWORD');
      });
    }

    it('reads the PKCS#12 password from a file (trailing newline ignored)', () => {
      const p = pki.extras!.p12Aes256;
      const pwFile = path.join(dir, 'p12.pw');
      writeFileSync(pwFile, `${p.password}\n`);
      expect(loadCredential({ p12File: p.p12File, passwordFile: pwFile }, {}).subjectSerialNumber).to.equal(ORG1);
    });

    it('names a missing password variable instead of trying an empty password', () => {
      const p = pki.extras!.p12Aes256;
      expect(codeOf(() => loadCredential({ p12File: p.p12File, passwordEnv: 'NOT_SET' }, {}))).to.equal('CERT_LOAD_FAILED');
    });

    it('loads an encrypted PEM key with keyPasswordEnv and refuses a wrong one', () => {
      const enc = path.join(dir, 'enc.key.pem');
      const key = createPrivateKey(readFileSync(pki.signing[ORG1]!.keyFile, 'utf8'));
      writeFileSync(enc, key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pem-secret' }));
      const src = { certFile: pki.signing[ORG1]!.certFile, keyFile: enc, keyPasswordEnv: 'KEY_PW' };
      expect(loadCredential(src, { KEY_PW: 'pem-secret' }).subjectSerialNumber).to.equal(ORG1);
      expect(codeOf(() => loadCredential(src, { KEY_PW: 'wrong' }))).to.equal('CERT_WRONG_PASSWORD');
      expect(codeOf(() => loadCredential({ certFile: src.certFile, keyFile: enc }, {}))).to.equal('CERT_WRONG_PASSWORD');
    });

    it('refuses a key that does not match its certificate (CERT_KEY_MISMATCH)', () => {
      expect(codeOf(() => loadCredential({ certFile: pki.signing[ORG1]!.certFile, keyFile: pki.signing[ORG2]!.keyFile }, {}))).to.equal('CERT_KEY_MISMATCH');
    });

    it('gives CERT_EXPIRED, CERT_NOT_YET_VALID and CERT_KEY_USAGE for the bad certificates', () => {
      const x = pki.extras!;
      expect(codeOf(() => loadCredential(x.expired, {}, { usage: 'system-signature' }))).to.equal('CERT_EXPIRED');
      expect(codeOf(() => loadCredential(x.notYetValid, {}, { usage: 'system-signature' }))).to.equal('CERT_NOT_YET_VALID');
      expect(codeOf(() => loadCredential(x.noNonRepudiation, {}, { usage: 'system-signature' }))).to.equal('CERT_KEY_USAGE');
      // digitalSignature alone is enough for TLS.
      expect(codeOf(() => loadCredential(x.noNonRepudiation, {}, { usage: 'tls-client' }))).to.equal(undefined);
    });

    it('refuses unreadable files with CERT_LOAD_FAILED', () => {
      expect(codeOf(() => loadCredential({ certFile: path.join(dir, 'nope.pem'), keyFile: pki.signing[ORG1]!.keyFile }, {}))).to.equal('CERT_LOAD_FAILED');
      expect(codeOf(() => loadCredential({ certFile: pki.signing[ORG1]!.keyFile, keyFile: pki.signing[ORG1]!.keyFile }, {}))).to.equal('CERT_LOAD_FAILED');
    });

    it('loads TLS client identities with the same loader and gives PEM options for TLS', () => {
      const tls = pki.tlsClients['ap-test']!;
      const cred = loadCredential(tls, {}, { usage: 'tls-client' });
      expect(cred.subjectSerialNumber).to.equal('1.2.246.10.12345678.10.0.99.1');
      const opts = toTlsOptions(cred);
      expect(opts.key).to.match(/BEGIN PRIVATE KEY/);
      expect(opts.cert).to.equal(cred.certificatePem);
    });
  });

  describe('SigningKeyStore', () => {
    it('signs with the newest valid certificate during an overlap, and rotates on the clock', () => {
      const now = Date.now();
      const rotationDir = tempDir('rotation');
      const caPair = { certFile: pki.ca.certFile, keyFile: pki.ca.keyFile };
      const older = issueInto(rotationDir, 'older', caPair, new Date(now - 300 * DAY), new Date(now + 20 * DAY));
      const newer = issueInto(rotationDir, 'newer', caPair, new Date(now - 2 * DAY), new Date(now + 700 * DAY));
      const future = issueInto(rotationDir, 'future', caPair, new Date(now + 10 * DAY), new Date(now + 900 * DAY));
      const store = new SigningKeyStore([{ id: 'org1', organisation: ORG1, certificates: [older, future, newer] }], {});
      const at = (t: number) => store.current('org1', new Date(t)).source;
      expect(at(now)).to.equal(newer.certFile);
      expect(at(now - 5 * DAY)).to.equal(older.certFile);
      expect(at(now + 15 * DAY)).to.equal(future.certFile);
      expect(codeOf(() => store.current('org1', new Date(now + 1000 * DAY)))).to.equal('CERT_EXPIRED');
      expect(codeOf(() => store.current('org1', new Date(now - 400 * DAY)))).to.equal('CERT_NOT_YET_VALID');
      const list = store.list(new Date(now));
      expect(list).to.have.length(3);
      expect(list.filter((r) => r.active).map((r) => r.source)).to.deep.equal([newer.certFile]);
      expect(list.find((r) => r.source === older.certFile)!.daysLeft).to.equal(19);
      expect(list.find((r) => r.source === future.certFile)!.state).to.equal('not-yet-valid');
    });

    it('reload() picks up a replaced file without restart; a failed reload keeps the old keys', () => {
      const rotDir = tempDir('reload');
      const certFile = path.join(rotDir, 'sign.cert.pem');
      const keyFile = path.join(rotDir, 'sign.key.pem');
      copyFileSync(pki.signing[ORG1]!.certFile, certFile);
      copyFileSync(pki.signing[ORG1]!.keyFile, keyFile);
      const store = new SigningKeyStore([{ id: 'org1', certificates: [{ certFile, keyFile }] }], {});
      const before = store.current('org1').serial;
      const fresh = issueInto(rotDir, 'fresh', { certFile: pki.ca.certFile, keyFile: pki.ca.keyFile }, new Date(Date.now() - DAY), new Date(Date.now() + 100 * DAY));
      copyFileSync(fresh.certFile, certFile);
      writeFileSync(keyFile, 'not a key');
      expect(codeOf(() => store.reload())).to.equal('CERT_LOAD_FAILED');
      expect(store.current('org1').serial).to.equal(before);
      copyFileSync(fresh.keyFile, keyFile);
      store.reload();
      expect(store.current('org1').serial).to.not.equal(before);
    });

    it('refuses at load a certificate without nonRepudiation or for another organisation', () => {
      expect(codeOf(() => new SigningKeyStore([{ id: 'x', certificates: [pki.extras!.noNonRepudiation] }], {}))).to.equal('CERT_KEY_USAGE');
      expect(codeOf(() => new SigningKeyStore([{ id: 'x', organisation: ORG2, certificates: [pki.signing[ORG1]!] }], {}))).to.equal('CERT_LOAD_FAILED');
    });

    it('answers ROUTE_NO_SIGNING_IDENTITY for an unknown identity', () => {
      const store = new SigningKeyStore([{ id: 'org1', certificates: [pki.signing[ORG1]!] }], {});
      expect(codeOf(() => store.current('other'))).to.equal('ROUTE_NO_SIGNING_IDENTITY');
    });
  });
});

/** A system-signature certificate for ORG1 from the test CA with the given validity. */
function issueInto(dir: string, name: string, ca: PemPair, notBefore: Date, notAfter: Date): PemPair {
  return issueSigningCertificate(dir, name, { ca, organisation: { oid: ORG1, name: 'Testin hyvinvointialue' }, notBefore, notAfter });
}
