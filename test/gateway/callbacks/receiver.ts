// A real local HTTP receiver for callback tests: records every request (headers, exact body) and
// answers as the test's behaviour says: a status, after a delay, or never.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  eventId: string;
  attempt: number;
}

/** What to do with the n-th request of an event (n from 1): answer status, after delayMs; 'hang' never answers. */
export type Behaviour = (req: Received, nthOfEvent: number) => { status: number; delayMs?: number } | 'hang';

export class Receiver {
  readonly received: Received[] = [];
  /** Requests answered so far. */
  answered = 0;
  /** Requests being held (delayed or hanging) right now, and the most ever held at once. */
  holding = 0;
  maxHolding = 0;
  behaviour: Behaviour = () => ({ status: 200 });
  private server: Server | undefined;
  private readonly held = new Map<ServerResponse, (status: number) => void>();
  url = '';

  async start(path = '/hooks/kanta?token=abc'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), eventId: String(req.headers['kanta-gateway-event-id']), attempt: Number(req.headers['kanta-gateway-attempt']) };
        this.received.push(r);
        const n = this.received.filter((x) => x.eventId === r.eventId).length;
        const b = this.behaviour(r, n);
        const answer = (status: number) => {
          this.held.delete(res);
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
          this.answered += 1;
        };
        if (b === 'hang' || (b.delayMs ?? 0) > 0) {
          this.holding += 1;
          this.maxHolding = Math.max(this.maxHolding, this.holding);
          this.held.set(res, answer);
          res.on('close', () => (this.holding -= 1));
          if (b !== 'hang') setTimeout(() => answer(b.status), b.delayMs).unref();
        } else answer(b.status);
      });
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((r) => this.server!.once('listening', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  /** Answers every held request with `status`, and every later one at once. */
  release(status = 200): void {
    this.behaviour = () => ({ status });
    for (const answer of [...this.held.values()]) answer(status);
  }

  of(type: string): Received[] {
    return this.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);
  }

  async stop(): Promise<void> {
    for (const res of this.held.keys()) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
