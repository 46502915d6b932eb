import { expect } from 'chai';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { KantaTransport, httpStatusError, parseRetryAfter } from '../../adapters/kanta/transport.ts';
import type { TransportOptions } from '../../adapters/kanta/transport.ts';
import { GatewayError, errorCodeOf } from '../../domain/errors.ts';
import { makeTestPki } from './helpers/test-pki.ts';
import type { TestPki } from './helpers/test-pki.ts';
import { startServer } from './helpers/local-server.ts';
import type { LocalServer } from './helpers/local-server.ts';

async function failureOf(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a rejection');
}

describe('kanta transport (undici, mutual TLS)', function () {
  this.timeout(20_000);
  let pki: TestPki;
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    opened.push(x);
    return x;
  };

  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.cleanup());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((x) => x.close()));
  });

  const ok = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.setHeader('content-type', 'text/xml');
    res.end('<ok/>');
  };
  const mtlsServer = (handler = ok, server = pki.server) =>
    startServer(handler, { key: server.keyPem, cert: server.certPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true });
  const transport = (o: Partial<TransportOptions> & { url: string }) => track(new KantaTransport({ caPem: pki.caPem, tlsClient: pki.client, connectTimeoutMs: 2000, responseTimeoutMs: 2000, ...o }));

  describe('mutual TLS', () => {
    it('a client certificate from the trusted CA gets through, and the server sees who it is', async () => {
      const server = track(await mtlsServer());
      const answer = await transport({ url: server.url }).post('<x/>', { 'content-type': 'application/xml' });
      expect(answer.status).to.equal(200);
      expect(answer.body.toString()).to.equal('<ok/>');
      expect(server.requests[0]!.clientSubject).to.contain('1.2.246.10.99999999.10.0');
    });

    it('no client certificate: the server refuses the handshake → KANTA_TLS_HANDSHAKE or KANTA_CONNECTION', async () => {
      const server = track(await mtlsServer());
      const err = await failureOf(track(new KantaTransport({ url: server.url, caPem: pki.caPem, connectTimeoutMs: 2000, responseTimeoutMs: 2000 })).post('<x/>', {}));
      expect(err.code).to.be.oneOf(['KANTA_TLS_HANDSHAKE', 'KANTA_CONNECTION']);
      expect(server.requests).to.have.length(0);
    });

    it('a client certificate from an unknown CA is refused → coded', async () => {
      const server = track(await mtlsServer());
      const err = await failureOf(transport({ url: server.url, tlsClient: pki.strangerClient }).post('<x/>', {}));
      expect(err.code).to.be.oneOf(['KANTA_TLS_HANDSHAKE', 'KANTA_CONNECTION']);
      expect(server.requests).to.have.length(0);
    });

    it('a server certificate from an unknown CA → KANTA_TLS_HANDSHAKE, nothing sent', async () => {
      const server = track(await mtlsServer(ok, pki.otherServer));
      const err = await failureOf(transport({ url: server.url }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_TLS_HANDSHAKE');
      expect(err.details?.reason).to.match(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
      expect(server.requests).to.have.length(0);
    });

    it('rejectUnauthorized: false (local doubles only) accepts the unknown server CA', async () => {
      const server = track(await startServer(ok, { key: pki.otherServer.keyPem, cert: pki.otherServer.certPem }));
      const answer = await transport({ url: server.url, rejectUnauthorized: false }).post('<x/>', {});
      expect(answer.status).to.equal(200);
    });
  });

  describe('failure mapping', () => {
    it('server never answers → KANTA_TIMEOUT after about the response timeout', async () => {
      const server = track(await startServer(() => undefined));
      const started = Date.now();
      const err = await failureOf(transport({ url: server.url, responseTimeoutMs: 300 }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_TIMEOUT');
      expect(Date.now() - started).to.be.within(250, 3000);
    });

    it('a TCP peer that never completes TLS → KANTA_TIMEOUT (connect timeout)', async () => {
      const sockets: Socket[] = [];
      const silent: NetServer = createNetServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      track({ close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); silent.close(() => r()); }) });
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      const err = await failureOf(transport({ url: `https://127.0.0.1:${port}/`, connectTimeoutMs: 300, responseTimeoutMs: 5000 }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_TIMEOUT');
      expect(Date.now() - started).to.be.below(3000);
    });

    it('a slow-drip body is cut at the overall deadline → KANTA_TIMEOUT', async () => {
      const server = track(
        await startServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/xml' });
          const t = setInterval(() => res.write(' '), 100);
          res.on('close', () => clearInterval(t));
        }),
      );
      const err = await failureOf(transport({ url: server.url, connectTimeoutMs: 200, responseTimeoutMs: 400 }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_TIMEOUT');
    });

    it('server destroys the socket → KANTA_CONNECTION', async () => {
      const server = track(await startServer((_req, res) => { res.socket?.destroy(); }));
      const err = await failureOf(transport({ url: server.url }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_CONNECTION');
    });

    it('nothing listening → KANTA_CONNECTION (ECONNREFUSED)', async () => {
      const probe = createNetServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const err = await failureOf(transport({ url: `http://127.0.0.1:${port}/` }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_CONNECTION');
      expect(err.details?.reason).to.equal('ECONNREFUSED');
    });

    it('an answer over the size cap → KANTA_BAD_RESPONSE', async () => {
      const server = track(await startServer((_req, res) => { res.end('x'.repeat(5000)); }));
      const err = await failureOf(transport({ url: server.url, maxResponseBytes: 1024 }).post('<x/>', {}));
      expect(err.code).to.equal('KANTA_BAD_RESPONSE');
      expect(err.details?.reason).to.equal('too-large');
    });

    it('statuses: 503 with Retry-After (seconds or date), other 5xx, 4xx', () => {
      const now = new Date('2026-09-15T10:00:00Z');
      const a = (status: number, headers: Record<string, string> = {}) => httpStatusError({ status, headers, body: Buffer.alloc(0) }, 'u', now);
      expect(a(200)).to.equal(undefined);
      const unavailable = a(503, { 'retry-after': '120' })!;
      expect(unavailable.code).to.equal('KANTA_UNAVAILABLE');
      expect(unavailable.details?.retryAfterSeconds).to.equal(120);
      expect(a(503, { 'retry-after': 'Tue, 15 Sep 2026 10:01:30 GMT' })!.details?.retryAfterSeconds).to.equal(90);
      expect(a(503)!.details?.retryAfterSeconds).to.equal(undefined);
      expect(a(500)!.code).to.equal('KANTA_HTTP_5XX');
      expect(a(502)!.code).to.equal('KANTA_HTTP_5XX');
      expect(a(404)!.code).to.equal('KANTA_HTTP_4XX');
      expect(a(413)!.code).to.equal('KANTA_HTTP_4XX');
      expect(a(302)!.code).to.equal('KANTA_BAD_RESPONSE');
      expect(parseRetryAfter('soon')).to.equal(undefined);
    });

    it('a URL that is not http(s) is CONFIG_INVALID', () => {
      expect(() => new KantaTransport({ url: 'ftp://x/' })).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'CONFIG_INVALID');
    });
  });

  describe('pooling', () => {
    let server: LocalServer;
    beforeEach(async () => {
      server = track(
        await mtlsServer((_req, res) => {
          setTimeout(() => res.end('<ok/>'), 20);
        }),
      );
    });

    it('sequential exchanges reuse keep-alive connections', async () => {
      const t = transport({ url: server.url });
      for (let i = 0; i < 8; i++) expect((await t.post('<x/>', {})).status).to.equal(200);
      // Measured: undici's pool opens a second connection for the request right after the first
      // (the first client is not yet marked free in that tick), then alternates between the two.
      expect(server.connections()).to.be.within(1, 2);
    });

    it('concurrent exchanges use at most maxConnections connections', async () => {
      const t = transport({ url: server.url, maxConnections: 3 });
      const answers = await Promise.all(Array.from({ length: 12 }, () => t.post('<x/>', {})));
      expect(answers.every((a) => a.status === 200)).to.equal(true);
      expect(server.connections()).to.be.within(1, 3);
    });

    it('close() is idempotent and later posts fail coded', async () => {
      const t = new KantaTransport({ url: server.url, caPem: pki.caPem, tlsClient: pki.client });
      await t.post('<x/>', {});
      await Promise.all([t.close(), t.close()]);
      expect((await failureOf(t.post('<x/>', {}))).code).to.equal('KANTA_CONNECTION');
    });
  });
});
