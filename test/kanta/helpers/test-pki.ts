// A throwaway PKI for the mTLS tests, made with the openssl CLI in a temp dir (never committed): a CA,
// a server certificate for 127.0.0.1/localhost, an access point client certificate, and a second,
// unrelated CA with its own server certificate. EC P-256 keeps generation fast.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  certPem: string;
  keyPem: string;
}

export interface TestPki {
  dir: string;
  caPem: string;
  server: Pem;
  client: Pem;
  /** A client identity issued by the other CA: the server must refuse it. */
  strangerClient: Pem;
  otherCaPem: string;
  /** Server certificate from the other CA. */
  otherServer: Pem;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name} test CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function issue(dir: string, ca: string, name: string, subj: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kanta-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other');
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n';
  issue(dir, 'ca', 'server', '/CN=localhost', serverExt);
  issue(dir, 'ca', 'client', '/O=Test Organisation/serialNumber=1.2.246.10.99999999.10.0/CN=access point', clientExt);
  issue(dir, 'other', 'stranger', '/CN=stranger', clientExt);
  issue(dir, 'other', 'otherserver', '/CN=localhost', serverExt);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.pem'),
    server: { certPem: read('server.pem'), keyPem: read('server.key') },
    client: { certPem: read('client.pem'), keyPem: read('client.key') },
    strangerClient: { certPem: read('stranger.pem'), keyPem: read('stranger.key') },
    otherCaPem: read('other.pem'),
    otherServer: { certPem: read('otherserver.pem'), keyPem: read('otherserver.key') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
