// docs/kanta-double.md must list every detail code the double can emit, with the same ack type and
// check number, and list nothing the double does not emit.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DETAIL_CODES } from '../../adapters/kanta-double/detail-codes.ts';

describe('kanta double: detail codes are documented', () => {
  const doc = readFileSync(new URL('../../docs/kanta-double.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (A[AER]) \| (\d+) \|/gm)].map((m) => [m[1], { ack: m[2], check: Number(m[3]) }]));

  for (const [code, spec] of Object.entries(DETAIL_CODES)) {
    it(`${code} is in the table as ${spec.ack}, check ${spec.check}`, () => {
      expect(rows.get(code)).to.deep.equal({ ack: spec.ack, check: spec.check });
    });
  }

  it('lists no code the double does not have', () => {
    expect([...rows.keys()].filter((c) => c !== undefined && !(c in DETAIL_CODES))).to.deep.equal([]);
  });

  it('covers all twelve checks', () => {
    expect(new Set(Object.values(DETAIL_CODES).map((s) => s.check))).to.have.property('size', 12);
  });
});
