// The kanta-gateway command line as a user runs it: `node bin/kanta-gateway.js ...` in a child
// process, judged by exit code, stdout and stderr.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { sha256Hex } from '../../gateway/auth.ts';
import { freePort } from '../../queues/local-redis-server.ts';
import { sampleDoc, xmlsecVerifies } from '../certs/helpers.ts';

const BIN = new URL('../../bin/kanta-gateway.js', import.meta.url).pathname;
const ORG = '1.2.246.10.12345678.10.0';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, KGW_OPS_TOKEN: '', KGW_URL: '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function goodConfig(): ConfigInput {
  return {
    kanta: { accessPoints: [{ id: 'ap-1', url: 'https://kanta.example/sh', senderId: '1.2.246.10.99999999.10.0' }] },
    organisations: [{ oid: ORG, name: 'Alue', kind: 'welfare-region' }],
    serviceUnits: [{ oid: `${ORG}.1`, organisation: ORG }],
    signingIdentities: [{ id: 'sig', certificates: [{ certFile: 'a.pem', keyFile: 'a.key' }] }],
    tenants: [{ id: 'region', name: 'Alue', credentials: { apiTokenSha256: ['b'.repeat(64)] }, actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], accessPoint: 'ap-1', signingIdentity: 'sig' }],
  };
}

describe('kanta-gateway CLI (child process)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-cli-'));
  });

  describe('config check', () => {
    it('exits 0 with a one-line summary for a good file', async () => {
      const file = path.join(dir, 'good.yaml');
      writeFileSync(file, stringify(goodConfig()));
      const r = await cli(['config', 'check', file]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.trim().split('\n')).to.have.length(1);
      expect(r.stdout).to.match(/good\.yaml: valid \(version [0-9a-f]{12}\): 1 organisations, 1 service units, 1 tenants, 0 contracts, 1 access points/);
      expect(r.stderr).to.equal('');
    });

    it('exits 1 with file, path and reason on stderr for a bad file', async () => {
      const cfg = goodConfig();
      cfg.tenants![0]!.accessPoint = 'ap-9';
      cfg.organisations![0]!.oid = '1.2.x';
      const file = path.join(dir, 'bad.yaml');
      writeFileSync(file, stringify(cfg));
      const r = await cli(['config', 'check', file]);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.contain(`${file}: organisations.0.oid: must be a dotted OID`);
    });

    it('reports the cross-reference issues of a file whose shape is right', async () => {
      const cfg = goodConfig();
      cfg.tenants![0]!.accessPoint = 'ap-9';
      const file = path.join(dir, 'bad-ref.yaml');
      writeFileSync(file, stringify(cfg));
      const r = await cli(['config', 'check', file]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(`${file}: tenants.0.accessPoint: unknown access point ap-9`);
    });

    it('exits 1 for a missing file and 2 without a file', async () => {
      const missing = await cli(['config', 'check', path.join(dir, 'nope.yaml')]);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.match(/nope\.yaml.*cannot read: ENOENT/);
      expect((await cli(['config', 'check'])).code).to.equal(2);
    });
  });

  describe('usage', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['frobnicate'], 2, /unknown command frobnicate/],
      [['config', 'frobnicate'], 2, /unknown command config frobnicate/],
      [['certs', 'frobnicate'], 2, /unknown command certs frobnicate/],
      [[], 2, /kanta-gateway <command>/],
    ];
    for (const [args, code, text] of cases) {
      it(`${args.join(' ') || '(nothing)'} → exit ${code}`, async () => {
        const r = await cli(args);
        expect(r.code).to.equal(code);
        expect(r.stdout + r.stderr).to.match(text);
      });
    }
    it('help → exit 0 with the usage on stdout', async () => {
      const r = await cli(['help']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/config check FILE/);
    });
  });

  describe('--help on every command and subcommand (exit 0, usage on stdout, no stack trace)', () => {
    const helps: Array<[string[], RegExp]> = [
      [['serve', '--help'], /usage: kanta-gateway serve --config FILE/],
      [['demo', '--help'], /usage: kanta-gateway demo/],
      [['kanta-double', '-h'], /usage: kanta-gateway kanta-double --port N/],
      [['config', '--help'], /usage: kanta-gateway config check FILE \[--deep\]/],
      [['config', 'check', '--help'], /--deep {2}also checks/],
      [['certs', '--help'], /certs init-test-pki DIR/],
      [['certs', 'init-test-pki', '--help'], /usage: kanta-gateway certs init-test-pki DIR/],
      [['certs', 'list', '-h'], /usage: kanta-gateway certs list CONFIG/],
      [['sign', '--help'], /usage: kanta-gateway sign IN --key K --cert C/],
      [['verify', '--help'], /usage: kanta-gateway verify IN/],
      [['audit', 'verify', '--help'], /usage: kanta-gateway audit verify FILE/],
      [['tokens', 'new', '--help'], /usage: kanta-gateway tokens new \[--bytes N\]/],
      [['backfill', '--help'], /usage: kanta-gateway backfill DIR\|FILE\.ndjson --tenant ID/],
      [['ops', '--help'], /usage: kanta-gateway ops <action>/],
      [['help', 'backfill'], /usage: kanta-gateway backfill/],
    ];
    for (const [args, text] of helps) {
      it(args.join(' '), async () => {
        const r = await cli(args);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(text);
        expect(r.stderr).to.equal('');
      });
    }
  });

  describe('usage errors: exit 2, one line and the usage on stderr, no stack trace', () => {
    const mistakes: Array<[string[], RegExp]> = [
      [['serve', '--bogus'], /^kanta-gateway: Unknown option '--bogus'\.\n\nusage: kanta-gateway serve/],
      [['serve'], /^kanta-gateway: give --config FILE/],
      [['demo', '--port'], /^kanta-gateway: Option '--port <value>' argument missing\n\nusage: kanta-gateway demo/],
      [['config', 'check', 'a.yaml', '--deeep'], /^kanta-gateway: Unknown option '--deeep'/],
      [['tokens'], /^kanta-gateway: give a tokens subcommand/],
      [['tokens', 'new', '--bytes', '16'], /^kanta-gateway: --bytes must be at least 32/],
      [['tokens', 'new', '--bytes', 'lots'], /^kanta-gateway: --bytes must be a whole number/],
      [['backfill', 'dir'], /^kanta-gateway: give --tenant ID\n\nusage: kanta-gateway backfill/],
      [['backfill', 'dir', '--tenant', 'perhe'], /^kanta-gateway: give --token or KGW_TOKEN/],
      [['backfill', 'dir', '--tenant', 'perhe', '--token', 't', '--rate', '0'], /^kanta-gateway: --rate must be a positive number/],
      [['ops', 'queues', '--frob', '--token', 't'], /^kanta-gateway: Unknown option '--frob'/],
      [['audit', 'frobnicate'], /^kanta-gateway: unknown command audit frobnicate/],
    ];
    for (const [args, text] of mistakes) {
      it(args.join(' '), async () => {
        const r = await cli(args, { KGW_TOKEN: '' });
        expect(r.code, r.stdout + r.stderr).to.equal(2);
        expect(r.stderr).to.match(text);
        expect(r.stderr).to.match(/usage: kanta-gateway/);
        expect(r.stderr).to.not.match(/\n\s+at /);
        expect(r.stdout).to.equal('');
      });
    }
  });

  it('a failure that is no usage mistake exits 1 with one coded line, no stack trace', async () => {
    const r = await cli(['backfill', path.join(dir, 'no-such-dir'), '--tenant', 'perhe', '--token', 't']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^kanta-gateway backfill: BACKFILL_INPUT_INVALID: Cannot read .*no-such-dir: ENOENT\n$/);
  });

  describe('tokens new', () => {
    it('prints a fresh base64url token and the sha256 the configuration holds', async () => {
      const [a, b] = await Promise.all([cli(['tokens', 'new', '--json']), cli(['tokens', 'new', '--bytes', '48', '--json'])]);
      expect(a.code, a.stderr).to.equal(0);
      const ta = JSON.parse(a.stdout) as { token: string; sha256: string };
      const tb = JSON.parse(b.stdout) as { token: string; sha256: string };
      expect(ta.token).to.match(/^[A-Za-z0-9_-]{43}$/); // 32 bytes
      expect(tb.token).to.match(/^[A-Za-z0-9_-]{64}$/); // 48 bytes
      expect(ta.token).to.not.equal(tb.token);
      for (const t of [ta, tb]) expect(t.sha256).to.equal(createHash('sha256').update(t.token).digest('hex'));
    });

    it('says which value goes where, and the digest authenticates against a configuration', async () => {
      const r = await cli(['tokens', 'new']);
      expect(r.code).to.equal(0);
      const [, token, , digest] = r.stdout.split('\n').map((l) => l.trim());
      expect(r.stdout).to.match(/^token .*tenant system or operator/);
      expect(r.stdout).to.match(/\nsha256 .*apiTokenSha256 or gateway\.operators\[\]\.tokenSha256/);
      const cfg = goodConfig();
      cfg.tenants![0]!.credentials.apiTokenSha256 = [digest!];
      const { buildCredentialIndex } = await import('../../gateway/auth.ts');
      const { ConfigSchema } = await import('../../config/schema.ts');
      const index = buildCredentialIndex(ConfigSchema.parse(cfg));
      expect(index.byTokenDigest.get(sha256Hex(token!))).to.deep.include({ kind: 'tenant' });
    });
  });

  describe('certs init-test-pki → sign → verify', () => {
    let pki: TestPkiManifest;
    let signed: string;

    before(async () => {
      const r = await cli(['certs', 'init-test-pki', path.join(dir, 'pki'), '--orgs', `${ORG}=Testin hyvinvointialue`]);
      expect(r.code, r.stderr).to.equal(0);
      pki = JSON.parse(r.stdout) as TestPkiManifest;
      signed = path.join(dir, 'signed.xml');
    });

    it('init-test-pki prints the manifest of the files it wrote', () => {
      expect(pki.signing[ORG]!.certFile).to.satisfy((f: string) => f.startsWith(path.join(dir, 'pki')));
      expect(readFileSync(pki.ca.certFile, 'utf8')).to.contain('BEGIN CERTIFICATE');
    });

    it('sign writes the signed document and prints the receipt; verify --ca says valid', async () => {
      const input = path.join(dir, 'doc.xml');
      writeFileSync(input, sampleDoc(7));
      const s = await cli(['sign', input, '--key', pki.signing[ORG]!.keyFile, '--cert', pki.signing[ORG]!.certFile, '--out', signed]);
      expect(s.code, s.stderr).to.equal(0);
      expect(JSON.parse(s.stdout)).to.include({ selfCheck: 'passed' });
      const v = await cli(['verify', signed, '--ca', pki.ca.certFile]);
      expect(v.code, v.stdout + v.stderr).to.equal(0);
      expect(JSON.parse(v.stdout)).to.include({ valid: true, chainChecked: true });
    });

    it('xmlsec1 verifies the CLI-signed file against the test CA', () => {
      expect(xmlsecVerifies(readFileSync(signed, 'utf8'), { trustedPem: pki.ca.certFile })).to.equal(true);
    });

    it('verify of a tampered file exits 1 with valid:false', async () => {
      const tampered = path.join(dir, 'tampered.xml');
      const text = readFileSync(signed, 'utf8');
      const changed = text.replace(/(representation="B64">)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
      expect(changed).to.not.equal(text);
      writeFileSync(tampered, changed);
      const v = await cli(['verify', tampered, '--ca', pki.ca.certFile]);
      expect(v.code).to.equal(1);
      expect(JSON.parse(v.stdout)).to.include({ valid: false });
      expect(xmlsecVerifies(changed, { trustedPem: pki.ca.certFile })).to.equal(false);
    });

    it('sign without --key exits 2', async () => {
      expect((await cli(['sign', path.join(dir, 'doc.xml')])).code).to.equal(2);
    });
  });

  describe('ops client', () => {
    let server: http.Server;
    let url: string;
    const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];
    let answer = { status: 200, body: '{"ok":true}' };

    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
      seen.length = 0;
      answer = { status: 200, body: '{"ok":true}' };
    });

    const calls: Array<[string[], string, string, unknown]> = [
      [['queues', '--json'], 'GET', '/v1/ops/queues', undefined],
      [['reload'], 'POST', '/v1/ops/config/reload', {}],
      [['pause-controller', '1.2.246.10.1'], 'POST', '/v1/ops/controllers/1.2.246.10.1/pause', {}],
      [['resume-tenant', 'perhe'], 'POST', '/v1/ops/tenants/perhe/resume', {}],
      // ops rerun (preview, confirm, task) and the readable `ops queues` table: test/gateway/ops-command.test.ts
    ];
    for (const [args, method, p, body] of calls) {
      it(`ops ${args.join(' ')} → ${method} ${p} with the ops token`, async () => {
        const r = await cli(['ops', ...args, '--url', url, '--token', 'tok-1']);
        expect(r.code, r.stderr).to.equal(0);
        expect(JSON.parse(r.stdout)).to.deep.equal({ ok: true });
        expect(seen).to.have.length(1);
        expect(seen[0]).to.include({ method, url: p, auth: 'Bearer tok-1' });
        if (body !== undefined) expect(JSON.parse(seen[0]!.body)).to.deep.equal(body);
      });
    }

    it('takes KGW_URL and KGW_OPS_TOKEN from the environment', async () => {
      const r = await cli(['ops', 'queues', '--json'], { KGW_URL: url, KGW_OPS_TOKEN: 'tok-env' });
      expect(r.code, r.stderr).to.equal(0);
      expect(seen[0]!.auth).to.equal('Bearer tok-env');
    });

    it('exits 1 when the gateway refuses, printing its coded answer', async () => {
      answer = { status: 403, body: '{"error":{"code":"AUTH_FORBIDDEN_ROLE"}}' };
      const r = await cli(['ops', 'queues', '--url', url, '--token', 'tenant-token']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.contain('AUTH_FORBIDDEN_ROLE');
    });

    it('exits 2 without a token or with an unknown action', async () => {
      expect((await cli(['ops', 'queues', '--url', url])).code).to.equal(2);
      expect((await cli(['ops', 'explode', '--url', url, '--token', 't'])).code).to.equal(2);
      expect(seen).to.have.length(0);
    });

    it('exits 1 with a one-line reason when the gateway is unreachable or answers non-JSON', async () => {
      const down = `http://127.0.0.1:${await freePort()}`;
      const r = await cli(['ops', 'queues', '--url', down, '--token', 't']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(down);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
      answer = { status: 502, body: '<html>bad gateway</html>' };
      const html = await cli(['ops', 'queues', '--url', url, '--token', 't']);
      expect(html.code).to.equal(1);
      expect(html.stderr).to.match(/502/);
      expect(html.stderr).to.not.match(/\n\s+at /);
    });
  });
});
