import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { createLogger, redact } from '../../gateway/logger.ts';

const H1900 = makeHetu(2, 11, 1984, 902); // 021184-902x
const H2000 = makeHetu(15, 3, 2016, 901); // 150316A901x
const H1800 = makeHetu(1, 1, 1899, 950); // '+' century
// Since 2023 the century signs also include B–F (2000s) and U–Y (1900s).
const NEW_SIGNS = [H2000.replace('A', 'B'), H1900.replace('-', 'Y'), H1900.replace('-', 'U')];

function capture() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  stream.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  const logger = createLogger({ stream, level: 'debug' });
  const flush = () => new Promise((r) => setImmediate(r));
  return { logger, lines, flush, raw: () => JSON.stringify(lines) };
}

describe('gateway/logger redaction', () => {
  const hetuPlaces: Array<[string, string]> = [
    ['alone', H1900],
    ['in a sentence', `asiakas ${H2000} kävi`],
    ['after an equals sign', `hetu=${H1900}`],
    ['in a file name with underscores', `cda_${H2000}_v1.xml`],
    ['in parentheses', `(${H1800})`],
    ['with a new century sign B', NEW_SIGNS[0]!],
    ['with a new century sign Y', NEW_SIGNS[1]!],
    ['with a new century sign U', NEW_SIGNS[2]!],
    ['twice', `${H1900} ja ${H2000}`],
  ];
  for (const [where, text] of hetuPlaces) {
    it(`masks a hetu ${where}, in the message and in fields`, async () => {
      const { logger, lines, flush, raw } = capture();
      logger.info(`viesti ${text}`, { note: text, nested: { deeper: [{ text }] } });
      await flush();
      expect(lines).to.have.length(1);
      const out = raw();
      for (const h of [H1900, H2000, H1800, ...NEW_SIGNS]) expect(out).to.not.contain(h);
      expect(String(lines[0]!.message)).to.contain('[hetu]');
      expect(String(lines[0]!.note)).to.contain('[hetu]');
    });
  }

  it('does not mask things that only look similar (request ids, OIDs, dates)', () => {
    const keep = ['1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed', '123456-12345', '1.2.246.10.12345678.10.0', '2026-03-01T10:00:00.000Z', '20260301120000+0300'];
    for (const k of keep) expect(redact(k), k).to.equal(k);
  });

  const sensitiveKeys = ['xml', 'payload', 'authorization', 'Authorization', 'hetu', 'cda', 'signedXml', 'signedxml', 'body', 'token', 'password', 'privateKey', 'clientId'];
  for (const key of sensitiveKeys) {
    it(`redacts the field "${key}" at the top level and nested`, async () => {
      const { logger, lines, flush, raw } = capture();
      logger.warn('x', { [key]: 'SECRET-VALUE', req: { headers: { [key]: 'SECRET-VALUE' } }, list: [{ [key]: 'SECRET-VALUE' }] });
      await flush();
      expect(raw()).to.not.contain('SECRET-VALUE');
      expect(lines[0]![key]).to.equal('[redacted]');
      expect((lines[0]!.req as { headers: Record<string, unknown> }).headers[key]).to.equal('[redacted]');
    });
  }

  it('keeps harmless fields as they are', async () => {
    const { logger, lines, flush } = capture();
    logger.info('document archived', { tenant: 'perhe', documentId: '1.2.246.10.3.95.1', attempts: 2, ok: true });
    await flush();
    expect(lines[0]).to.include({ message: 'document archived', tenant: 'perhe', documentId: '1.2.246.10.3.95.1', attempts: 2, ok: true, level: 'info' });
    expect(lines[0]!.timestamp).to.be.a('string');
  });

  it('masks a hetu however deep it is nested', () => {
    let deep: Record<string, unknown> = { text: `kuka ${H1900}` };
    for (let i = 0; i < 12; i++) deep = { level: deep };
    expect(JSON.stringify(redact(deep))).to.not.contain(H1900);
  });

  it('reduces an Error to name, masked message and code (no stack with document text)', () => {
    const err = Object.assign(new Error(`bad hetu ${H2000}`), { code: 'INTAKE_INVALID_HETU' });
    expect(redact({ error: err })).to.deep.equal({ error: { name: 'Error', message: 'bad hetu [hetu]', code: 'INTAKE_INVALID_HETU' } });
  });

  it('never writes the bytes of a Buffer (document content in disguise)', () => {
    const out = JSON.stringify(redact({ data: Buffer.from(`<x>${H1900}</x>`) }));
    expect(out).to.not.contain(H1900);
    expect(out).to.not.match(/"0":\s*60/); // not the byte values either
  });

  it('writes nothing when silent', async () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (b: Buffer) => (written += b.toString()));
    createLogger({ stream, silent: true }).error('boom');
    await new Promise((r) => setImmediate(r));
    expect(written).to.equal('');
  });
});
