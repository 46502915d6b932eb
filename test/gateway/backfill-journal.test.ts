// The backfill's state journal and sources on their own: a line torn by kill -9 is cut and the rest
// replayed, the last answer per document wins, a journal of another source is refused; directories are
// walked in byte order, NDJSON lines keep their numbers, JSON submissions get a stable submissionKey.
import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackfillJournal } from '../../gateway/backfill/backfill-journal.ts';
import { jsonSubmission, openSource } from '../../gateway/backfill/backfill-source.ts';

describe('backfill journal and sources', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-journal-'));
  });

  it('replays answers, cuts a torn last line, and appends after it', async () => {
    const file = path.join(dir, 'state.ndjson');
    const j = await BackfillJournal.open(file, '/src', 'perhe');
    j.record({ k: 'a.xml', o: 'accepted', st: 202, id: '1.2.3' });
    j.record({ k: 'b.xml', o: 'refused', st: 403, code: 'RIGHT_NOT_FOUND', n: 'b.xml' });
    j.close();
    appendFileSync(file, '{"k":"c.xml","o":"acce'); // kill -9 mid-write
    const again = await BackfillJournal.open(file, '/src', 'perhe');
    expect(again.answerFor('a.xml')).to.equal('accepted');
    expect(again.answerFor('b.xml')).to.equal('refused');
    expect(again.answerFor('c.xml')).to.equal(undefined);
    again.record({ k: 'b.xml', o: 'accepted', st: 202 }); // sent again with --retry-refused
    again.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).to.have.length(4);
    lines.forEach((l) => JSON.parse(l));
    const third = await BackfillJournal.open(file, '/src', 'perhe');
    expect(third.acceptedCount).to.equal(2);
    expect(third.refusals().size).to.equal(0);
    third.close();
  });

  it('refuses a journal of another source or tenant, and a damaged one', async () => {
    const file = path.join(dir, 'state.ndjson');
    (await BackfillJournal.open(file, '/src', 'perhe')).close();
    for (const [source, tenant] of [['/other', 'perhe'], ['/src', 'region']] as const) {
      const err = await BackfillJournal.open(file, source, tenant).then(() => undefined, (e: unknown) => e);
      expect(err).to.include({ code: 'BACKFILL_STATE_MISMATCH' });
    }
    appendFileSync(file, 'garbage\n{"k":"a","o":"accepted","st":202}\n');
    const err = await BackfillJournal.open(file, '/src', 'perhe').then(() => undefined, (e: unknown) => e);
    expect(err).to.include({ code: 'BACKFILL_STATE_MISMATCH' });
    expect((err as Error).message).to.match(/line 2 is damaged/);
  });

  it('walks a directory tree in byte order, documents only, and counts what it yields', async () => {
    for (const f of ['b/2.xml', 'b/10.xml', 'a.xml', 'B.json', 'c/readme.txt', 'c/d/e.XML']) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), f.endsWith('json') ? '{"x":1}' : '<x/>');
    }
    const source = openSource(dir, 'perhe');
    const keys: string[] = [];
    for await (const item of source.items()) keys.push(item.key);
    expect(keys).to.deep.equal(['B.json', 'a.xml', 'b/10.xml', 'b/2.xml', 'c/d/e.XML']);
    expect(await source.count()).to.equal(5);
  });

  it('numbers NDJSON lines as in the file and tells file references from JSON submissions', async () => {
    writeFileSync(path.join(dir, 'doc.xml'), '<x/>');
    const file = path.join(dir, 'in.ndjson');
    writeFileSync(file, '{"file":"doc.xml","operation":"archive"}\n\n{"documentGroup":{"code":"5"}}\n{oops\n');
    const items = [];
    for await (const item of openSource(file, 'perhe').items()) items.push(item);
    expect(items.map((i) => i.key)).to.deep.equal(['line:1', 'line:3', 'line:4']);
    const ref = await items[0]!.load();
    expect(ref).to.deep.include({ contentType: 'application/xml', operation: 'archive' });
    expect(ref.body.toString()).to.equal('<x/>');
    const json = await items[1]!.load();
    expect(json.contentType).to.equal('application/json');
    expect(JSON.parse(json.body.toString()).submissionKey).to.match(/^backfill-[0-9a-f]{40}$/);
    const err = await items[2]!.load().then(() => undefined, (e: unknown) => e);
    expect(err).to.include({ code: 'BACKFILL_INPUT_INVALID' });
  });

  it('derives the same submissionKey for the same tenant and text, another for another tenant, and keeps a given one', () => {
    const text = '{"documentGroup":{"code":"5"}}';
    const key = (t: string, tenant = 'perhe') => JSON.parse(jsonSubmission(t, tenant, 'x').body.toString()).submissionKey as string;
    expect(key(text)).to.equal(key(text));
    expect(key(text)).to.not.equal(key(text, 'region'));
    expect(key('{"submissionKey":"my-own-key-1"}')).to.equal('my-own-key-1');
  });
});
