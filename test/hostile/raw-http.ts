// HTTP the way an attacker writes it: bytes on a socket, possibly slowly, possibly never finished.
// Returns the status and JSON body of whatever the server answered, or how long it kept the socket.
import net from 'node:net';

export interface RawAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Milliseconds from connect until the server answered or closed. */
  ms: number;
}

export interface RawStep {
  data: string | Buffer;
  /** Wait this long before writing the step. */
  delayMs?: number;
}

/** Writes the steps and reads until the server closes; gives up (status 0) after `maxMs`. */
export function rawHttp(port: number, steps: RawStep[], maxMs = 15_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const json = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(json.slice(json.indexOf('{'), json.lastIndexOf('}') + 1)) as Record<string, unknown>;
      } catch {
        body = {};
      }
      resolve({ status, body, ms: Date.now() - started });
    };
    const guard = setTimeout(settle, maxMs);
    socket.on('data', (d) => {
      chunks.push(d);
      // One answer is all we want: once a complete response head and body arrived, stop.
      const text = Buffer.concat(chunks).toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(text.slice(0, head))?.[1];
      if (head >= 0 && len !== undefined && Buffer.byteLength(text.slice(head + 4)) >= Number(len)) settle();
    });
    socket.on('close', settle);
    socket.on('error', settle);
    socket.on('connect', async () => {
      for (const step of steps) {
        if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
        if (settled || socket.destroyed) return;
        socket.write(step.data);
      }
    });
  });
}

/** A byte every `everyMs`, `count` times: the slow-body attack. */
export function drip(data: string, everyMs: number, count: number): RawStep[] {
  return Array.from({ length: Math.min(count, data.length) }, (_, i) => ({ data: data[i]!, delayMs: everyMs }));
}
