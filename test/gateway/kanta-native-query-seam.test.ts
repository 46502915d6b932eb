// The seam the 'Hae asiakkuus' relay plugs into: the Kanta-native endpoint hands an authenticated,
// envelope-checked query to the injected handler with the raw request and sends its answer as it is.
// A real mutual-TLS listener with the router alone; intake is never reached for a query.
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { KantaCodesSchema, KantaNativeSchema, type Tenant } from '../../config/schema.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { normaliseDn } from '../../gateway/auth.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startKantaNativeEndpoint } from '../../gateway/kanta-native/kanta-native-server.ts';
import type { KantaNativeRouteDeps } from '../../gateway/kanta-native/kanta-native-router.ts';
import type { ListeningServer } from '../../gateway/http-server.ts';
import { GatewayListenSchema } from '../../config/schema.ts';
import { sharedDemoPki } from '../helpers/demo-pki.ts';

const QUERY = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RCMR_IN200010FI01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0"><id root="${DEMO.certifiedSystem.deviceId}" extension="q7"/><interactionId root="2.16.840.1.113883.1.6" extension="RCMR_IN200010FI01"/><sender typeCode="SND"><device><id root="${DEMO.certifiedSystem.deviceId}"/></device></sender></RCMR_IN200010FI01></soapenv:Body></soapenv:Envelope>`;

describe('Kanta-native endpoint: the query relay seam', function () {
  this.timeout(60_000);
  let server: ListeningServer;
  const seen: Array<{ tenant: string; body: string; contentType: string; soapAction?: string }> = [];
  let files: { certFile: string; keyFile: string };
  let ca: Buffer;

  before(async () => {
    const pki = await sharedDemoPki();
    files = pki.tlsClients[DEMO.certifiedSystem.id]!;
    ca = readFileSync(pki.ca.certFile);
    const cert = new X509Certificate(readFileSync(files.certFile));
    const tenant = { id: 'region', accessPoint: DEMO.accessPoint } as Tenant;
    const native = KantaNativeSchema.parse({ port: 0, tls: { certFile: pki.tlsServer.certFile, keyFile: pki.tlsServer.keyFile, clientCaFile: pki.ca.certFile } });
    const unused = (() => { throw new Error('intake is not reached for a query'); }) as never;
    const deps = {
      store: unused, enqueue: unused, routing: unused, waiter: unused, logger: createLogger({ silent: true }),
      config: () => native,
      codes: () => KantaCodesSchema.parse({}),
      credentials: () => ({ byTokenDigest: new Map(), byCertificate: new Map([[`${normaliseDn(cert.subject)}|${normaliseDn(cert.issuer)}`, tenant]]) }),
      bodyLimitBytes: () => 1024 * 1024,
      gatewayDeviceId: () => DEMO.operator.oid,
      kantaNativeQuery: async (input) => {
        seen.push({ tenant: input.tenant.id, body: input.body.toString('utf8'), contentType: input.contentType, ...(input.soapAction ? { soapAction: input.soapAction } : {}) });
        return { status: 200, contentType: 'text/xml; charset=utf-8', body: '<relayed/>' };
      },
    } satisfies Partial<KantaNativeRouteDeps> as unknown as KantaNativeRouteDeps;
    server = await startKantaNativeEndpoint(native, GatewayListenSchema.parse({}), deps);
  });
  after(() => server?.close());

  it('passes the tenant, the raw body, Content-Type and SOAPAction to the handler and answers with what it returns', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/kanta/sosiaalihuolto`, { method: 'POST', cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca, headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:hl7-org:v3/RCMR_IN200010FI01"' } }, (res) => {
        let s = '';
        res.on('data', (c) => (s += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: s }));
      });
      req.on('error', reject);
      req.end(QUERY);
    });
    expect(answer).to.deep.equal({ status: 200, body: '<relayed/>' });
    expect(seen).to.deep.equal([{ tenant: 'region', body: QUERY, contentType: 'text/xml; charset=utf-8', soapAction: '"urn:hl7-org:v3/RCMR_IN200010FI01"' }]);
  });
});
