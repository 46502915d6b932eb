// Fault injection (kanta.md check 11) and the admin API: every mode at least once, reproducible by
// seed, plus the WSDL and the body limit.
import { expect } from 'chai';
import * as soap from 'soap';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { adminHeaders, baseOptions, frameFor, makeDoc, post, testPki } from './support/double-fixture.ts';
import { soapWrap } from './support/test-frame.ts';

async function statuses(double: KantaDouble, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await post(double.url, frameFor(makeDoc()))).status);
  return out;
}

async function putFaults(double: KantaDouble, body: unknown): Promise<Response> {
  return fetch(`${double.adminUrl}/faults`, { method: 'PUT', headers: adminHeaders({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
}

describe('kanta double: fault injection and admin API', () => {
  let double: KantaDouble;
  before(() => { testPki(); });
  beforeEach(async () => { double = await startKantaDouble(baseOptions({ seed: 42 })); });
  afterEach(async () => { await double.close(); });

  it('answers a seeded share of requests with HTTP 500, the same ones for the same seed', async () => {
    double.setFaults({ http500Share: 0.5 });
    const first = await statuses(double, 16);
    const fails = first.filter((s) => s === 500).length;
    expect(fails).to.be.within(2, 14);
    expect(first.filter((s) => s === 200).length).to.equal(16 - fails);
    const again = await startKantaDouble(baseOptions({ seed: 42, faults: { http500Share: 0.5 } }));
    try {
      expect(await statuses(again, 16)).to.deep.equal(first);
    } finally {
      await again.close();
    }
    const other = await startKantaDouble(baseOptions({ seed: 7, faults: { http500Share: 0.5 } }));
    try {
      expect(await statuses(other, 16)).to.not.deep.equal(first);
    } finally {
      await other.close();
    }
    expect(double.inspect().requests.faults.http500).to.equal(fails);
    expect(double.inspect().archived).to.have.length(16 - fails);
  });

  it('resets the connection before processing (nothing stored) or after (stored, answer lost)', async () => {
    double.setFaults({ resetShare: 1 });
    const doc = makeDoc();
    let error: unknown;
    try { await post(double.url, frameFor(doc)); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(Error);
    expect(double.inspect().archived).to.have.length(0);
    double.setFaults({ resetShare: 1, resetPhase: 'after' });
    error = undefined;
    try { await post(double.url, frameFor(doc)); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(Error);
    expect(double.inspect().archived).to.have.length(1);
    expect(double.inspect().requests.faults.reset).to.equal(2);
    double.setFaults({});
    const resend = await post(double.url, frameFor(doc));
    expect([resend.ack, resend.code]).to.deep.equal(['AA', 'ALREADY_ARCHIVED']);
  });

  it('never answers a hanging request (but stores it by default), and answers a late one late', async () => {
    double.setFaults({ timeoutShare: 1 });
    let error: unknown;
    const started = Date.now();
    try {
      await fetch(double.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: soapWrap(frameFor(makeDoc())), signal: AbortSignal.timeout(300) });
    } catch (err) {
      error = err;
    }
    expect((error as Error)?.name).to.equal('TimeoutError');
    expect(Date.now() - started).to.be.at.least(290);
    expect(double.inspect().archived).to.have.length(1);
    double.setFaults({ timeoutShare: 1, timeoutMode: 'late', timeoutDelayMs: 250 });
    const t0 = Date.now();
    const r = await post(double.url, frameFor(makeDoc()));
    expect(r.ack).to.equal('AA');
    expect(Date.now() - t0).to.be.at.least(240);
  });

  it('keeps the admin API behind its own credential: none, a wrong token, or no token configured is refused', async () => {
    const reset = (headers: Record<string, string>) => fetch(`${double.adminUrl}/reset`, { method: 'POST', headers });
    const codeOf = async (r: Response) => [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    expect(await codeOf(await reset({}))).to.deep.equal([401, 'AUTH_MISSING']);
    expect(await codeOf(await reset({ authorization: 'Bearer not-the-token' }))).to.deep.equal([401, 'AUTH_INVALID']);
    expect((await fetch(`${double.adminUrl}/inspect`)).status).to.equal(401);
    expect((await reset(adminHeaders())).status).to.equal(200);
    const closed = await startKantaDouble(baseOptions({ adminToken: undefined }));
    try {
      const r = await fetch(`${closed.adminUrl}/faults`, { method: 'PUT', headers: adminHeaders({ 'content-type': 'application/json' }), body: '{"http500Share":1}' });
      expect(await codeOf(r)).to.deep.equal([403, 'AUTH_FORBIDDEN_ROLE']);
      expect(closed.faults()).to.deep.equal({});
    } finally {
      await closed.close();
    }
  });

  it('answers 503 with Retry-After during a maintenance window set through the admin API', async () => {
    const res = await putFaults(double, { maintenanceSeconds: 30 });
    expect(res.status).to.equal(200);
    expect((await res.json() as { maintenanceUntil?: string }).maintenanceUntil).to.be.a('string');
    const r = await post(double.url, frameFor(makeDoc()));
    expect(r.status).to.equal(503);
    expect(Number(r.headers['retry-after'])).to.be.within(29, 30);
    expect(r.body).to.include('soapenv:Server');
    expect(double.inspect().archived).to.have.length(0);
    await putFaults(double, {});
    expect((await post(double.url, frameFor(makeDoc()))).ack).to.equal('AA');
  });

  it('forces AE for chosen document ids, with the default or a given detail code', async () => {
    const a = makeDoc();
    const b = makeDoc();
    double.setFaults({ forcedErrors: { [a.meta.id]: '', [b.meta.id]: 'SIGNATURE_INVALID' } });
    expect((await post(double.url, frameFor(a))).code).to.equal('FORCED_ERROR');
    expect((await post(double.url, frameFor(b))).code).to.equal('SIGNATURE_INVALID');
    expect((await post(double.url, frameFor(makeDoc()))).ack).to.equal('AA');
    expect(double.inspect().rejectionsByCode.FORCED_ERROR).to.equal(1);
  });

  it('drips the answer a few bytes at a time', async () => {
    double.setFaults({ slowDrip: { chunkBytes: 128, overMs: 400 } });
    const t0 = Date.now();
    const res = await fetch(double.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: soapWrap(frameFor(makeDoc())) });
    let chunks = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks += 1;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(Date.now() - t0).to.be.at.least(350);
    expect(chunks).to.be.greaterThan(3);
    expect(text).to.include('<acknowledgement typeCode="AA">');
    expect(double.inspect().requests.faults.slowDrip).to.equal(1);
  });

  it('adds fixed latency', async () => {
    double.setFaults({ latency: { fixedMs: 150, randomUpToMs: 50 } });
    const t0 = Date.now();
    expect((await post(double.url, frameFor(makeDoc()))).ack).to.equal('AA');
    expect(Date.now() - t0).to.be.at.least(145);
  });

  it('refuses invalid fault settings with a coded 400 and keeps the old ones', async () => {
    double.setFaults({ http500Share: 0.1 });
    for (const bad of [{ http500Share: 2 }, { nonsense: true }, { forcedErrors: { '1.2.3': 'NOT_A_CODE' } }, [1]]) {
      const res = await putFaults(double, bad);
      expect(res.status).to.equal(400);
      expect((await res.json() as { error: { code: string } }).error.code).to.equal('REQUEST_INVALID');
    }
    const now = await (await fetch(`${double.adminUrl}/faults`, { headers: adminHeaders() })).json();
    expect(now).to.deep.equal({ http500Share: 0.1 });
  });

  it('serves inspection and a WSDL naming the endpoint and operations', async () => {
    await post(double.url, frameFor(makeDoc()));
    const inspection = await (await fetch(`${double.adminUrl}/inspect`, { headers: adminHeaders() })).json() as { archived: unknown[]; requests: { total: number } };
    expect(inspection.archived).to.have.length(1);
    expect(inspection.requests.total).to.equal(1);
    const wsdl = await (await fetch(`${double.url}?wsdl`)).text();
    expect(wsdl).to.include(`<soap:address location="${double.url}"/>`);
    expect(wsdl).to.include('soapAction="urn:hl7-org:v3/RCMR_IN200002FI01"').and.include('soapAction="urn:hl7-org:v3/RCMR_IN200010FI01"');
    const client = await soap.createClientAsync(`${double.url}?wsdl`);
    expect(Object.keys(client.describe().SosiaalihuoltoArchiveService.SosiaalihuoltoArchivePort)).to.deep.equal(['Archive', 'Version', 'Void', 'QueryClientRelationship']);
  });

  it('answers 413 over the body limit', async () => {
    const small = await startKantaDouble(baseOptions({ bodyLimitBytes: 4096 }));
    try {
      const r = await post(small.url, frameFor(makeDoc()));
      expect(r.status).to.equal(413);
      expect(small.inspect().requests.tooLarge).to.equal(1);
    } finally {
      await small.close();
    }
  });
});
