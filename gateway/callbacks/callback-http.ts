// One HTTP POST of a callback to a receiver, with keep-alive connections and one deadline for connect,
// answer and body together. Redirects are not followed (a receiver that moved is a configuration
// change), and whatever the receiver answers is read and dropped, never stored.
import { Agent, request } from 'undici';
import type { DeliveryError } from './delivery-store.ts';

export type PostResult = { ok: true; status: number } | { ok: false; error: DeliveryError };

export interface CallbackPoster {
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<PostResult>;
  close(): Promise<void>;
}

/** At most this much of a receiver's answer is read before the connection is dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class UndiciCallbackPoster implements CallbackPoster {
  private readonly agent: Agent;

  constructor(opts: { connectionsPerOrigin?: number; keepAliveTimeoutMs?: number } = {}) {
    this.agent = new Agent({ connections: opts.connectionsPerOrigin ?? 16, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000, pipelining: 1 });
  }

  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<PostResult> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', ...headers },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: combined,
      });
      await res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
      return { ok: false, error: { code: 'CALLBACK_HTTP_STATUS', status: res.statusCode, message: `receiver answered ${res.statusCode}` } };
    } catch (err) {
      const e = err as Error & { code?: string };
      const timedOut = deadline.aborted || e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT';
      if (timedOut) return { ok: false, error: { code: 'CALLBACK_TIMEOUT', message: `no answer within ${timeoutMs} ms` } };
      return { ok: false, error: { code: 'CALLBACK_CONNECTION', message: (e.code ? `${e.code}: ` : '') + (e.message || 'connection failed').slice(0, 200) } };
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
