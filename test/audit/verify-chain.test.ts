// The standalone verifier on hand-built chains: no Redis, no gateway. Each tampering case names the
// seq where the chain stops being provable.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, genesisDigest, recordDigest, sealRecord, verifyChain } from '../../gateway/audit/verify-chain.ts';

const ORG = '1.2.246.10.1001';

/** n records chained the way AuditLog writes them, as NDJSON lines. */
function chain(n: number, org = ORG, firstSeq = 1, firstPrev = genesisDigest(org)): string[] {
  const lines: string[] = [];
  let prev = firstPrev;
  for (let seq = firstSeq; seq < firstSeq + n; seq++) {
    const body = {
      seq,
      at: new Date(Date.UTC(2026, 2, 1, 10, 0, seq)).toISOString(),
      organisation: org,
      action: seq % 2 ? 'intake-accepted' : 'archived',
      actor: { kind: 'tenant', id: 't-region-a' },
      documentId: `1.2.246.10.1001.95.${seq}`,
      clientKey: 'ab'.repeat(32),
      details: { operation: 'archive', attempts: seq, ok: true },
      prev,
    };
    const rec = { ...body, digest: recordDigest(body) };
    lines.push(canonicalJson(rec));
    prev = rec.digest;
  }
  return lines;
}

const edit = (line: string, fn: (r: Record<string, any>) => void): string => {
  const r = JSON.parse(line) as Record<string, any>;
  fn(r);
  return JSON.stringify(r);
};

describe('verifyChain (standalone)', () => {
  it('imports nothing but node:crypto', () => {
    const src = readFileSync(new URL('../../gateway/audit/verify-chain.ts', import.meta.url), 'utf8');
    const imports = [...src.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).to.deep.equal(['node:crypto']);
  });

  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined }, '\u00e4': 'ä' })).to.equal('{"a":{"d":[1,{"y":2,"z":1}]},"b":1,"ä":"ä"}');
    expect(() => canonicalJson({ x: Number.NaN })).to.throw(/finite/);
  });

  it('sealRecord yields the bytes of recordDigest and canonicalJson with the digest in it', () => {
    // Keys on both sides of "digest" in code-unit order, at either end, and undefined members.
    const shapes: Array<Record<string, unknown>> = [
      { seq: 1, at: '2026-03-01T10:00:00.000Z', organisation: ORG, prev: genesisDigest(ORG) },
      { details: { z: 1, a: [2, { y: 'x', b: null }] }, dig: 1, digest0: 2, documentId: 'x', Z: 'upper', '\u00e4': 'ä', skip: undefined },
      { a: 1 },
      { z: 1 },
      { digesta: 'after', digess: 'before' },
      {},
    ];
    for (const unsigned of shapes) {
      const { digest, line } = sealRecord(unsigned);
      expect(digest).to.equal(recordDigest(unsigned));
      expect(line).to.equal(canonicalJson({ ...unsigned, digest }));
    }
    // A digest member already present is not digested and is replaced.
    const stale = sealRecord({ seq: 1, digest: 'sha256:old' });
    expect(stale.digest).to.equal(recordDigest({ seq: 1 }));
    expect(stale.line).to.equal(canonicalJson({ seq: 1, digest: stale.digest }));
  });

  it('a record sealed today has the bytes records have always had (pinned)', () => {
    const unsigned = {
      seq: 1,
      at: '2026-03-01T10:00:00.000Z',
      organisation: ORG,
      action: 'intake-accepted',
      actor: { kind: 'tenant', id: 't-region-a' },
      actingOrganisation: '1.2.246.10.2001',
      documentId: '1.2.246.10.1001.95.1',
      clientKey: 'ab'.repeat(32),
      details: { operation: 'archive', attempts: 1, ok: true },
      prev: genesisDigest(ORG),
    };
    const digest = 'sha256:89a3f65212aafad435d5ab4b47d2ce0da7057a6a6af601d333cc294d0634e8de';
    const line =
      '{"actingOrganisation":"1.2.246.10.2001","action":"intake-accepted","actor":{"id":"t-region-a","kind":"tenant"},"at":"2026-03-01T10:00:00.000Z",' +
      '"clientKey":"abababababababababababababababababababababababababababababababab","details":{"attempts":1,"ok":true,"operation":"archive"},' +
      `"digest":"${digest}","documentId":"1.2.246.10.1001.95.1","organisation":"1.2.246.10.1001",` +
      '"prev":"sha256:14306d1e5bd37768b64b1348a48faa43f7727e97f209aed50ec6520b13017b7f","seq":1}';
    expect(sealRecord(unsigned)).to.deep.equal({ digest, line });
    expect(verifyChain(line, { expectedHead: { seq: 1, digest } })).to.include({ valid: true, count: 1 });
  });

  it('the genesis prev is the SHA-256 of the organisation OID, algorithm first', () => {
    expect(genesisDigest(ORG)).to.equal(`sha256:${createHash('sha256').update(ORG).digest('hex')}`);
  });

  it('accepts an intact chain, as text with a trailing newline or as lines', () => {
    const lines = chain(10);
    const r = verifyChain(`${lines.join('\n')}\n`);
    expect(r).to.include({ valid: true, count: 10, organisation: ORG, firstSeq: 1, lastSeq: 10 });
    expect(r.lastDigest).to.equal(JSON.parse(lines[9]!).digest);
    expect(verifyChain(lines).valid).to.equal(true);
    expect(verifyChain('')).to.include({ valid: true, count: 0 });
  });

  it('a modified field breaks the digest of that record', () => {
    const lines = chain(10);
    lines[4] = edit(lines[4]!, (r) => (r.action = 'status-read'));
    expect(verifyChain(lines)).to.include({ valid: false, firstBrokenSeq: 5, firstBrokenLine: 5 });
    const nested = chain(10);
    nested[6] = edit(nested[6]!, (r) => (r.details.attempts = 99));
    expect(verifyChain(nested)).to.include({ valid: false, firstBrokenSeq: 7 });
  });

  it('an added field is caught too (the digest covers every member but digest)', () => {
    const lines = chain(5);
    lines[2] = edit(lines[2]!, (r) => (r.note = 'x'));
    expect(verifyChain(lines)).to.include({ valid: false, firstBrokenSeq: 3 });
  });

  it('a deleted line names the missing seq', () => {
    const lines = chain(10);
    lines.splice(3, 1);
    const r = verifyChain(lines);
    expect(r).to.include({ valid: false, firstBrokenSeq: 4 });
    expect(r.reason).to.match(/seq 4 is missing/);
  });

  it('a reordered pair is caught at the first misplaced seq', () => {
    const lines = chain(10);
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    expect(verifyChain(lines)).to.include({ valid: false, firstBrokenSeq: 6 });
  });

  it('a forged digest value is caught at that record', () => {
    const lines = chain(10);
    lines[2] = edit(lines[2]!, (r) => (r.digest = `sha256:${'0'.repeat(64)}`));
    expect(verifyChain(lines)).to.include({ valid: false, firstBrokenSeq: 3 });
  });

  it('a record altered and re-digested is caught by the next record\'s prev', () => {
    const lines = chain(10);
    lines[2] = edit(lines[2]!, (r) => {
      r.action = 'rejected';
      r.digest = recordDigest(r);
    });
    const r = verifyChain(lines);
    expect(r).to.include({ valid: false, firstBrokenSeq: 4 });
    expect(r.reason).to.match(/prev does not match the digest of seq 3/);
  });

  it('a chain rewritten from genesis passes alone; the separately kept head exposes it', () => {
    const honest = chain(10);
    let prev = genesisDigest(ORG);
    const forged = honest.map((l, i) =>
      edit(l, (r) => {
        if (i === 2) r.action = 'rejected';
        r.prev = prev;
        r.digest = recordDigest(r);
        prev = r.digest;
      }),
    );
    const head = { seq: 10, digest: JSON.parse(honest[9]!).digest as string };
    expect(verifyChain(forged).valid).to.equal(true);
    expect(verifyChain(forged, { expectedHead: head })).to.include({ valid: false, firstBrokenSeq: 10 });
  });

  it('a cut-off tail is caught only against the expected head', () => {
    const lines = chain(10);
    const head = { seq: 10, digest: JSON.parse(lines[9]!).digest as string };
    expect(verifyChain(lines, { expectedHead: head }).valid).to.equal(true);
    const cut = lines.slice(0, 8);
    expect(verifyChain(cut).valid).to.equal(true);
    expect(verifyChain(cut, { expectedHead: head })).to.include({ valid: false, firstBrokenSeq: 9 });
    expect(verifyChain(lines, { expectedHead: { seq: 10, digest: `sha256:${'2'.repeat(64)}` } })).to.include({ valid: false, firstBrokenSeq: 10 });
  });

  it('a full export must start at seq 1 from the genesis digest', () => {
    expect(verifyChain(chain(10).slice(1))).to.include({ valid: false, firstBrokenSeq: 1 });
    expect(verifyChain(chain(3, ORG, 1, genesisDigest('1.2.246.10.9999')))).to.include({ valid: false, firstBrokenSeq: 1 });
  });

  it('range mode accepts a contiguous slice and reports its anchor', () => {
    const lines = chain(10);
    const r = verifyChain(lines.slice(3, 7), { mode: 'range' });
    expect(r).to.include({ valid: true, count: 4, firstSeq: 4, lastSeq: 7, anchor: JSON.parse(lines[2]!).digest });
    const gap = [lines[3]!, lines[5]!];
    expect(verifyChain(gap, { mode: 'range' })).to.include({ valid: false, firstBrokenSeq: 5 });
  });

  it('sparse mode (client-filtered export) checks every digest and the links between neighbours', () => {
    const lines = chain(10);
    const picked = [lines[0]!, lines[1]!, lines[4]!, lines[8]!];
    expect(verifyChain(picked, { mode: 'sparse' })).to.include({ valid: true, count: 4 });
    const altered = [...picked];
    altered[2] = edit(altered[2]!, (r) => (r.code = 'X'));
    expect(verifyChain(altered, { mode: 'sparse' })).to.include({ valid: false, firstBrokenSeq: 5 });
    expect(verifyChain([lines[4]!, lines[1]!], { mode: 'sparse' }).valid).to.equal(false);
  });

  it('refuses lines of another organisation, unreadable lines and unknown algorithms', () => {
    const lines = chain(4);
    const other = chain(4, '1.2.246.10.2001');
    expect(verifyChain([lines[0]!, other[1]!])).to.include({ valid: false, firstBrokenSeq: 2 });
    expect(verifyChain([lines[0]!, '{not json'])).to.include({ valid: false, firstBrokenSeq: 2, firstBrokenLine: 2 });
    const md5 = edit(lines[0]!, (r) => (r.digest = 'md5:0123'));
    expect(verifyChain([md5]).reason).to.match(/unsupported digest algorithm "md5"/);
    expect(verifyChain(['[1,2]']).valid).to.equal(false);
  });
});
