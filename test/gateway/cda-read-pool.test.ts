// The intake's CDA reader on worker threads (gateway/intake/cda-read-pool.ts) answers exactly as
// readCdaXml on the event loop does: the same ParsedDocument (with the caller's own bytes) or the
// same coded error, for well-formed, malformed and hostile bodies, many at once.
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { readCdaXml } from '../../adapters/intake/cda-xml.ts';
import { DEFAULT_XML_LIMITS } from '../../adapters/xml/xml-limits.ts';
import { GatewayError } from '../../domain/errors.ts';
import { CdaReadPool } from '../../gateway/intake/cda-read-pool.ts';

const ORG = '1.2.246.10.60000000.10.0';
const doc = (n: number) =>
  Buffer.from(makeSampleCda({ documentId: `${ORG}.95.${n}`, custodian: ORG, serviceUnit: `${ORG}.1`, hetu: makeHetu(1 + (n % 28), 3, 1980, 900 + (n % 100)), note: `Synteettinen ${n}` }));

async function outcome(f: () => unknown): Promise<unknown> {
  try {
    return { ok: await f() };
  } catch (err) {
    return err instanceof GatewayError ? { code: err.code, message: err.message, details: err.details ?? null } : { error: (err as Error).message };
  }
}

describe('gateway/intake/cda-read-pool', function () {
  this.timeout(30_000);
  let pool: CdaReadPool;
  before(async () => {
    pool = await CdaReadPool.start(2);
  });
  after(() => pool.close());

  it('reads a document as readCdaXml does, keeping the caller\'s bytes', async () => {
    const body = doc(1);
    const parsed = await pool.read(body, 'archive', DEFAULT_XML_LIMITS);
    expect(parsed.cda).to.equal(body);
    expect(parsed).to.deep.equal(readCdaXml(body, 'archive', DEFAULT_XML_LIMITS));
  });

  const bad: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['not XML', Buffer.from('hello')],
    ['malformed', Buffer.from('<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1"></ClinicalDocument>')],
    ['a DTD', Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')],
    ['UTF-16', Buffer.from([0xff, 0xfe, 0x3c, 0x00])],
    ['invalid UTF-8', Buffer.from([0x3c, 0x78, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x78, 0x3e])],
    ['too deep', Buffer.from(`${'<a>'.repeat(80)}${'</a>'.repeat(80)}`)],
    ['not a CDA', Buffer.from('<x/>')],
  ];
  for (const [name, body] of bad) {
    it(`refuses ${name} with the same coded error`, async () => {
      const inline = await outcome(() => readCdaXml(body, undefined, DEFAULT_XML_LIMITS));
      expect(inline).to.have.property('code');
      expect(await outcome(() => pool.read(body, undefined, DEFAULT_XML_LIMITS))).to.deep.equal(inline);
    });
  }

  it('honours the limits it is given', async () => {
    const body = Buffer.from(`${'<a>'.repeat(20)}${'</a>'.repeat(20)}`);
    const tight = { ...DEFAULT_XML_LIMITS, maxDepth: 16 };
    expect(await outcome(() => pool.read(body, undefined, DEFAULT_XML_LIMITS))).to.not.have.property('code', 'INTAKE_XML_TOO_DEEP');
    const inline = await outcome(() => readCdaXml(body, undefined, tight));
    expect(inline).to.have.property('code', 'INTAKE_XML_TOO_DEEP');
    expect(await outcome(() => pool.read(body, undefined, tight))).to.deep.equal(inline);
  });

  it('answers each of many concurrent reads with its own document', async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => doc(100 + i));
    const parsed = await Promise.all(bodies.map((b) => pool.read(b, undefined, DEFAULT_XML_LIMITS)));
    parsed.forEach((p, i) => expect(p.header.documentId).to.equal(`${ORG}.95.${100 + i}`));
  });

  it('refuses reads once closed', async () => {
    const p = await CdaReadPool.start(1);
    await p.close();
    expect(await outcome(() => p.read(doc(3), undefined, DEFAULT_XML_LIMITS))).to.deep.include({ code: 'INTERNAL' });
  });
});
