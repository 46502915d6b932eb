// Seeded mutations of valid documents for the intake fuzz test: byte-level damage (flips, cuts,
// duplicates, invalid UTF-8) and markup-level damage (hostile tokens, nesting, attribute floods, swapped
// values). Deterministic per seed, so a failure names the seed that reproduces it.

/** The seeded generator the double's fault injection uses (mulberry32): one per seed, reproducible. */
export { seededRandom as prng } from '../../adapters/kanta-double/faults.ts';

const TOKENS = [
  '<', '>', '&', '&amp;', '&#0;', '&#x1F;', '&evil;', '"', "'", '=', '/>', '</', '<!--', '-->', '<![CDATA[', ']]>', '<?xml version="1.0"?>',
  '<!DOCTYPE x>', '<!ENTITY e "x">', '\u0000', '\u0001', '\uFFFE', '\u00e4', '\u{1F600}', '\r\n', 'xmlns="urn:evil"', 'xmlns:hl7fi="urn:other"',
  '<x:y/>', '<id root="1.2.246.10.33333333.10.0.1"/>', '<versionNumber value="2"/>', '<relatedDocument typeCode="RPLC"/>', 'nullFlavor="NA"',
  '1.2.246.21', '010290-903L', '999999-999X', 'representation="B64"', '====', 'ID="OID1.2.3"', '<hl7fi:signatureCollection/>',
];

export function mutate(input: Buffer, rnd: () => number): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(input);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const at = pick(b.length + 1);
    switch (pick(10)) {
      case 0: // flip bits of a few bytes
        for (let k = 0; k < 1 + pick(4); k++) {
          if (!b.length) break;
          const p = pick(b.length);
          b[p] = b[p]! ^ (1 << pick(8));
        }
        break;
      case 1: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(64)))]);
        break;
      case 2: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + pick(256)), b.subarray(at)]);
        break;
      case 3: // insert a hostile token
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[pick(TOKENS.length)]!, 'utf8'), b.subarray(at)]);
        break;
      case 4: // invalid UTF-8
        b = Buffer.concat([b.subarray(0, at), Buffer.from([[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82]][pick(5)]!), b.subarray(at)]);
        break;
      case 5: // truncate
        b = b.subarray(0, at);
        break;
      case 6: { // nest deeply at a tag boundary
        const depth = [10, 70, 1000][pick(3)]!;
        const lt = b.indexOf('<', at);
        const pos = lt < 0 ? b.length : lt;
        b = Buffer.concat([b.subarray(0, pos), Buffer.from('<n>'.repeat(depth) + '</n>'.repeat(depth)), b.subarray(pos)]);
        break;
      }
      case 7: { // flood an element with attributes
        const tagEnd = b.indexOf('/>', at);
        if (tagEnd > 0) b = Buffer.concat([b.subarray(0, tagEnd), Buffer.from(Array.from({ length: [5, 80][pick(2)]! }, (_, k) => ` z${k}="${k}"`).join('')), b.subarray(tagEnd)]);
        break;
      }
      case 8: { // replace an attribute value with a random token
        const q = b.indexOf('="', at);
        const end = q < 0 ? -1 : b.indexOf('"', q + 2);
        if (end > 0) b = Buffer.concat([b.subarray(0, q + 2), Buffer.from(TOKENS[pick(TOKENS.length)]!.replace(/"/g, '')), b.subarray(end)]);
        break;
      }
      default: { // swap two ranges
        const len = 1 + pick(40);
        const other = pick(Math.max(1, b.length - len));
        if (at + len <= b.length && other + len <= b.length && Math.abs(at - other) >= len) {
          const x = Buffer.from(b.subarray(at, at + len));
          b.copy(b, at, other, other + len);
          x.copy(b, other);
        }
      }
    }
  }
  return b;
}
