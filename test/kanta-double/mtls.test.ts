// Check 1 of kanta.md: mutual TLS. A client certificate from a foreign CA fails the handshake; a
// certificate from the right CA that is not a registered access point gets HTTP 403 + SOAP fault;
// a registered one must also send its own sender id.
import { expect } from 'chai';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import type { KantaDouble } from '../../adapters/kanta-double/server.ts';
import { AP1, AP2, baseOptions, frameFor, makeDoc, postTls, testPki } from './support/double-fixture.ts';
import { makeCa, makeLeaf } from './support/test-pki.ts';
import type { TestCert } from './support/test-pki.ts';

describe('kanta double: mutual TLS (kanta.md 1)', () => {
  let double: KantaDouble;
  let serverCa: TestCert;
  let clientCa: TestCert;
  let ap1Client: TestCert;
  let ap2Client: TestCert;
  let strangerClient: TestCert;
  let foreignClient: TestCert;

  before(async () => {
    testPki();
    serverCa = makeCa('Test server CA');
    clientCa = makeCa('Test access point CA');
    const server = makeLeaf(serverCa, { cn: '127.0.0.1', ipAddress: '127.0.0.1', serverAuth: true, keyUsage: { digitalSignature: true, keyEncipherment: true } });
    ap1Client = makeLeaf(clientCa, { cn: 'ap1.example.test', serialNumber: AP1, clientAuth: true, keyUsage: { digitalSignature: true } });
    ap2Client = makeLeaf(clientCa, { cn: 'ap2.example.test', clientAuth: true, keyUsage: { digitalSignature: true } });
    strangerClient = makeLeaf(clientCa, { cn: 'stranger.example.test', serialNumber: '1.2.246.10.77777777.10.0', clientAuth: true, keyUsage: { digitalSignature: true } });
    foreignClient = makeLeaf(makeCa('Foreign CA'), { cn: 'ap1.example.test', serialNumber: AP1, clientAuth: true, keyUsage: { digitalSignature: true } });
    double = await startKantaDouble(baseOptions({ tls: { certPem: server.certPem, keyPem: server.keyPem, clientCaPems: [clientCa.certPem] } }));
  });
  after(async () => { await double.close(); });

  it('serves https and archives for a registered access point (matched by subject serialNumber)', async () => {
    expect(double.url).to.match(/^https:\/\/127\.0\.0\.1:\d+\/kanta\/sh$/);
    const r = await postTls(double.url, frameFor(makeDoc()), { cert: ap1Client.certPem, key: ap1Client.keyPem, ca: serverCa.certPem });
    expect(r.ack, r.body).to.equal('AA');
  });

  it('fails the TLS handshake for a client certificate from a foreign CA', async () => {
    let error: unknown;
    try {
      await postTls(double.url, frameFor(makeDoc()), { cert: foreignClient.certPem, key: foreignClient.keyPem, ca: serverCa.certPem });
    } catch (err) {
      error = err;
    }
    expect(error, 'the request must not succeed').to.be.instanceOf(Error);
    expect(String((error as Error).message) + String((error as { code?: string }).code)).to.match(/unknown ca|certificate|ECONNRESET|socket hang up/i);
  });

  it('fails the TLS handshake without a client certificate', async () => {
    let error: unknown;
    try {
      await postTls(double.url, frameFor(makeDoc()), { ca: serverCa.certPem });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(Error);
  });

  it('answers 403 with a SOAP Client fault for a chained but unregistered certificate', async () => {
    const r = await postTls(double.url, frameFor(makeDoc()), { cert: strangerClient.certPem, key: strangerClient.keyPem, ca: serverCa.certPem });
    expect(r.status).to.equal(403);
    expect(r.body).to.include('<faultcode>soapenv:Client</faultcode>').and.include('ACCESS_POINT_NOT_REGISTERED');
    expect(double.inspect().rejectionsByCode.ACCESS_POINT_NOT_REGISTERED).to.equal(1);
  });

  it('refuses a frame whose sender id belongs to another access point than the certificate: FRAME_SENDER_TLS_MISMATCH', async () => {
    // ap2's certificate is matched by CN; it sends AP1's sender id.
    const r = await postTls(double.url, frameFor(makeDoc(), { senderId: AP1 }), { cert: ap2Client.certPem, key: ap2Client.keyPem, ca: serverCa.certPem });
    expect([r.ack, r.code]).to.deep.equal(['AR', 'FRAME_SENDER_TLS_MISMATCH']);
    void AP2;
  });
});
