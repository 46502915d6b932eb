// The listening socket: plain HTTP, or HTTPS with optional client certificates (tenants and operators
// may authenticate by certificate; gateway/auth.ts checks subject and issuer). Slow clients are bounded
// (issue 16 defect 6): headers must arrive within headersTimeoutMs and the whole request within
// requestTimeoutMs (Node checks both every second here, not every 30 s); intake's own body deadline
// (bodyReadTimeoutMs, routes/intake.ts) answers first with a coded 408. Requests Node refuses before
// express sees them (oversized or malformed headers, a header timeout) get a coded JSON answer too.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config/schema.ts';
import { GatewayError, type ErrorCode } from '../domain/errors.ts';

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** Node's parser and timeout errors (server 'clientError') as catalogue codes. */
export function clientErrorCode(err: { code?: string }): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'REQUEST_HEADERS_TOO_LARGE';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'REQUEST_MALFORMED';
}

function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const ge = new GatewayError(clientErrorCode(err));
  const body = JSON.stringify({ error: ge.toJSON() });
  const reason = http.STATUS_CODES[ge.status] ?? 'Error';
  socket.end(`HTTP/1.1 ${ge.status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export async function listen(app: Express, listen: Config['gateway']): Promise<ListeningServer> {
  const limits = {
    headersTimeout: listen.headersTimeoutMs,
    requestTimeout: listen.requestTimeoutMs,
    keepAliveTimeout: listen.keepAliveTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
  const server = listen.tls
    ? https.createServer(
        {
          ...limits,
          cert: readFileSync(listen.tls.certFile),
          key: readFileSync(listen.tls.keyFile),
          ...(listen.tls.clientCaFile ? { ca: readFileSync(listen.tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
        },
        app,
      )
    : http.createServer(limits, app);
  server.headersTimeout = listen.headersTimeoutMs;
  server.requestTimeout = listen.requestTimeoutMs;
  server.keepAliveTimeout = listen.keepAliveTimeoutMs;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${listen.tls ? 'https' : 'http'}://${listen.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
