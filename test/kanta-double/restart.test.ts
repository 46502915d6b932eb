// State across restarts: archive, close, start again on the same stateDir; an identical resend is
// ALREADY_ARCHIVED, versioning continues from the stored head, counters and the access log survive,
// and a torn journal line (death mid-append) does not stop the next start.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import { HETU, UNIT_P, adminHeaders, archiveOk, baseOptions, frameFor, makeDoc, post, testPki } from './support/double-fixture.ts';

describe('kanta double: state survives a restart', () => {
  let dir: string;
  before(() => { testPki(); });
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'kanta-double-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('keeps archived documents, set heads, rights, counters and the access log', async () => {
    const rel = makeDoc({ documentGroup: '1', rights: { '24': [{ unit: UNIT_P, start: '2026-09-01' }] } });
    const doc = makeDoc();
    let double = await startKantaDouble(baseOptions({ stateDir: dir }));
    await archiveOk(double.url, rel);
    await archiveOk(double.url, doc);
    expect((await post(double.url, frameFor(makeDoc(), { serviceRequests: ['SP1'] }))).code).to.equal('REASON_SERVICE_REQUEST_MISMATCH');
    await double.close();

    double = await startKantaDouble(baseOptions({ stateDir: dir }));
    try {
      const again = await post(double.url, frameFor(doc));
      expect([again.ack, again.code]).to.deep.equal(['AA', 'ALREADY_ARCHIVED']);
      const seen = double.inspect();
      expect(seen.archived.map((a) => a.documentId)).to.deep.equal([rel.meta.id, doc.meta.id]);
      expect(seen.duplicates).to.equal(1);
      expect(seen.rejectionsByCode.REASON_SERVICE_REQUEST_MISMATCH).to.equal(1);
      expect(seen.accessLog).to.have.length(4);
      expect(double.archivedDocument(doc.meta.id)?.equals(doc.bytes)).to.equal(true);
      // The set head survived: version 2 is accepted, a second version 2 is not.
      const v2 = makeDoc({ setId: doc.meta.id, versionNumber: 2, parent: { id: doc.meta.id, setId: doc.meta.id, versionNumber: 1 } });
      await archiveOk(double.url, v2, { op: 'version' });
      // The right survived: a provider document is accepted.
      const provider = makeDoc({ serviceUnit: UNIT_P, signer: testPki().signerP });
      await archiveOk(double.url, provider, { unit: UNIT_P, usageSituations: ['2'] });
    } finally {
      await double.close();
    }
    const onDisk = readFileSync(join(dir, 'journal.jsonl'), 'utf8') + readFileSync(join(dir, 'access-log.jsonl'), 'utf8');
    expect(onDisk).to.not.include(HETU);
  });

  it('starts after a torn last journal line and keeps appending cleanly', async () => {
    const doc = makeDoc();
    let double = await startKantaDouble(baseOptions({ stateDir: dir }));
    await archiveOk(double.url, doc);
    await double.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"t":"doc","rec":{"documentId":"1.2');
    double = await startKantaDouble(baseOptions({ stateDir: dir }));
    await archiveOk(double.url, makeDoc());
    await double.close();
    double = await startKantaDouble(baseOptions({ stateDir: dir }));
    try {
      expect(double.inspect().archived).to.have.length(2);
    } finally {
      await double.close();
    }
  });

  it('forgets everything, on disk too, on reset', async () => {
    let double = await startKantaDouble(baseOptions({ stateDir: dir }));
    await archiveOk(double.url, makeDoc());
    const res = await fetch(`${double.adminUrl}/reset`, { method: 'POST', headers: adminHeaders() });
    expect(res.status).to.equal(200);
    await double.close();
    double = await startKantaDouble(baseOptions({ stateDir: dir }));
    try {
      expect(double.inspect().archived).to.have.length(0);
    } finally {
      await double.close();
    }
  });
});
