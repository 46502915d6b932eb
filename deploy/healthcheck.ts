// The container's HEALTHCHECK: asks /healthz on the address and scheme the configuration listens on,
// read the way `serve` reads it (the same file and the same KGW_* environment overrides), so the
// check cannot drift from the listen config. Exit 0 healthy, 1 not.
//   node --import tsx deploy/healthcheck.ts [CONFIG]   (default: $KGW_CONFIG or /etc/kanta-gateway/gateway.yaml)
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { applyEnvOverrides, parseConfigText } from '../config/load.ts';

const DEFAULT_PORT = 8080; // config/schema.ts GatewayListenSchema
const file = process.argv[2] ?? process.env.KGW_CONFIG ?? '/etc/kanta-gateway/gateway.yaml';

function listenOf(raw: Record<string, unknown>): { host: string; port: number; tls: boolean } {
  const g = (raw.gateway ?? {}) as { host?: unknown; port?: unknown; tls?: unknown };
  const host = typeof g.host === 'string' ? g.host : '127.0.0.1';
  // A wildcard address is reached on loopback from inside the container.
  const probe = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return { host: probe, port: typeof g.port === 'number' ? g.port : DEFAULT_PORT, tls: g.tls !== undefined && g.tls !== null };
}

function probe(): Promise<boolean> {
  const listen = listenOf(applyEnvOverrides(parseConfigText(readFileSync(file, 'utf8'), file), process.env));
  const client = listen.tls ? https : http;
  return new Promise((resolve) => {
    const req = client.get(
      // Liveness of our own listener on loopback: the server certificate's name is not what is checked.
      { host: listen.host, port: listen.port, path: '/healthz', timeout: 4_000, ...(listen.tls ? { rejectUnauthorized: false } : {}) },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

probe().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: Error) => {
    process.stderr.write(`healthcheck: ${err.message}\n`);
    process.exit(1);
  },
);
