// `kanta-gateway audit verify FILE`: exit 0 only for a valid chain, 1 for a broken or unreadable one,
// 2 for a usage mistake; the JSON report names the first broken seq.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditVerifyCommand } from '../../gateway/audit/commands.ts';
import { canonicalJson, genesisDigest, recordDigest } from '../../gateway/audit/verify-chain.ts';

const ORG = '1.2.246.10.1001';

function chainLines(n: number): string[] {
  const out: string[] = [];
  let prev = genesisDigest(ORG);
  for (let seq = 1; seq <= n; seq++) {
    const body = { seq, at: new Date(Date.UTC(2026, 2, 1, 0, 0, seq)).toISOString(), organisation: ORG, action: 'status-read', actor: { kind: 'tenant', id: 't' }, prev };
    const digest = recordDigest(body);
    out.push(canonicalJson({ ...body, digest }));
    prev = digest;
  }
  return out;
}

describe('audit verify command', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'audit-verify-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, lines: string[]) => {
    const p = path.join(dir, name);
    writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  };

  it('exits 0 with a JSON report for a valid export, and checks --head', () => {
    const lines = chainLines(6);
    const p = file('ok.ndjson', lines);
    const r = auditVerifyCommand([p]);
    expect(r.exitCode).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ valid: true, count: 6, mode: 'full', lastSeq: 6 });
    const digest = JSON.parse(lines[5]!).digest as string;
    expect(auditVerifyCommand([p, '--head', `6:${digest}`]).exitCode).to.equal(0);
    expect(auditVerifyCommand([p, `--head=6 ${digest}`]).exitCode).to.equal(0);
    const later = auditVerifyCommand([p, '--head', `7:${digest}`]);
    expect(later.exitCode).to.equal(1);
    expect(JSON.parse(later.stdout)).to.include({ valid: false, firstBrokenSeq: 7 });
  });

  it('exits 1 naming the first broken seq for a tampered export', () => {
    const lines = chainLines(6);
    lines[2] = lines[2]!.replace('status-read', 'archived');
    const r = auditVerifyCommand([file('bad.ndjson', lines)]);
    expect(r.exitCode).to.equal(1);
    expect(JSON.parse(r.stdout)).to.include({ valid: false, firstBrokenSeq: 3 });
  });

  it('verifies slices with --range and filtered exports with --sparse', () => {
    const lines = chainLines(8);
    const slice = file('slice.ndjson', lines.slice(2, 5));
    expect(auditVerifyCommand([slice]).exitCode).to.equal(1);
    expect(auditVerifyCommand([slice, '--range']).exitCode).to.equal(0);
    const sparse = file('sparse.ndjson', [lines[0]!, lines[3]!, lines[7]!]);
    expect(auditVerifyCommand([sparse, '--range']).exitCode).to.equal(1);
    expect(auditVerifyCommand([sparse, '--sparse']).exitCode).to.equal(0);
  });

  it('exits 1 for an unreadable file and 2 for usage mistakes', () => {
    const missing = auditVerifyCommand([path.join(dir, 'nope.ndjson')]);
    expect(missing.exitCode).to.equal(1);
    expect(missing.stderr).to.match(/ENOENT/);
    expect(auditVerifyCommand([]).exitCode).to.equal(2);
    expect(auditVerifyCommand(['a', 'b']).exitCode).to.equal(2);
    expect(auditVerifyCommand(['a', '--bogus']).exitCode).to.equal(2);
    expect(auditVerifyCommand(['a', '--range', '--sparse']).exitCode).to.equal(2);
    const badHead = auditVerifyCommand(['a', '--head', '6:md5:00']);
    expect(badHead.exitCode).to.equal(2);
    expect(badHead.stderr).to.match(/usage: kanta-gateway audit verify/);
  });
});
