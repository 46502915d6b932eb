// The listening socket: plain HTTP, or HTTPS with optional client certificates (tenants and operators
// may authenticate by certificate; gateway/auth.ts checks subject and issuer).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config/schema.ts';

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(app: Express, listen: Config['gateway']): Promise<ListeningServer> {
  const server = listen.tls
    ? https.createServer(
        {
          cert: readFileSync(listen.tls.certFile),
          key: readFileSync(listen.tls.keyFile),
          ...(listen.tls.clientCaFile ? { ca: readFileSync(listen.tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
        },
        app,
      )
    : http.createServer(app);
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
