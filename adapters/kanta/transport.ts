// HTTPS POST to one Kanta access point over a keep-alive undici pool with mutual TLS (kanta.md §1.3:
// the access point's client certificate identifies it). Every failure leaves here as a GatewayError with
// a KANTA_* code; HTTP statuses are returned as they are and mapped by httpStatusError, because a
// non-200 answer may still carry a SOAP Fault worth reading.
import { Agent, request } from 'undici';
import { GatewayError } from '../../domain/errors.ts';
import type { ErrorCode } from '../../domain/errors.ts';

export interface TlsClientPem {
  certPem: string;
  keyPem: string;
  /** Passphrase of an encrypted PEM key. */
  passphrase?: string;
}

export interface TransportOptions {
  url: string;
  tlsClient?: TlsClientPem;
  /** Trusted CA bundle for the server certificate; Node's defaults otherwise. */
  caPem?: string;
  /** @defaultValue true */
  rejectUnauthorized?: boolean;
  /** Keep-alive connections to the access point. @defaultValue 8 */
  maxConnections?: number;
  /** TCP + TLS handshake. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** From request sent to the last body byte. @defaultValue 30000 */
  responseTimeoutMs?: number;
  /** Answers larger than this are refused (a query answer carries one CDA). @defaultValue 32 MiB */
  maxResponseBytes?: number;
}

export const TRANSPORT_DEFAULTS = {
  rejectUnauthorized: true,
  maxConnections: 8,
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 30_000,
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
// OpenSSL and Node certificate failures, on either side of the handshake (a server refusing our
// certificate shows up as an alert such as ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED).
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)|CERT|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH/;

class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

function causes(err: unknown): { code?: string; name?: string; message?: string }[] {
  const out: { code?: string; name?: string; message?: string }[] = [];
  let e: unknown = err;
  for (let i = 0; e && typeof e === 'object' && i < 6; i++) {
    const o = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    out.push({
      ...(typeof o.code === 'string' ? { code: o.code } : {}),
      ...(typeof o.name === 'string' ? { name: o.name } : {}),
      ...(typeof o.message === 'string' ? { message: o.message } : {}),
    });
    e = o.cause;
  }
  return out;
}

/** Maps anything undici or Node throws for one exchange to a KANTA_* GatewayError. */
export function transportError(err: unknown, url: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const chain = causes(err);
  const codes = chain.map((c) => c.code).filter((c): c is string => c !== undefined);
  const reason = codes[codes.length - 1] ?? chain[0]?.name ?? 'unknown';
  const make = (code: ErrorCode) => new GatewayError(code, undefined, { details: { url, reason }, cause: err });
  if (chain.some((c) => c.name === 'DeadlineExceeded' || c.name === 'TimeoutError') || codes.some((c) => TIMEOUT_CODES.has(c))) return make('KANTA_TIMEOUT');
  if (codes.some((c) => TLS_CODE.test(c)) || chain.some((c) => /alert|certificate/i.test(c.message ?? ''))) return make('KANTA_TLS_HANDSHAKE');
  return make('KANTA_CONNECTION');
}

/** Retry-After as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const when = Date.parse(v);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, Math.ceil((when - now.getTime()) / 1000));
}

/** The coded error for a non-2xx status, or undefined for 2xx. */
export function httpStatusError(answer: HttpAnswer, url: string, now?: Date): GatewayError | undefined {
  const s = answer.status;
  if (s >= 200 && s < 300) return undefined;
  if (s === 503) {
    const retryAfterSeconds = parseRetryAfter(answer.headers['retry-after'], now);
    return new GatewayError('KANTA_UNAVAILABLE', undefined, { details: { url, httpStatus: s, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });
  }
  if (s >= 500) return new GatewayError('KANTA_HTTP_5XX', `Kanta answered HTTP ${s}`, { details: { url, httpStatus: s } });
  if (s >= 400) return new GatewayError('KANTA_HTTP_4XX', `Kanta answered HTTP ${s}`, { details: { url, httpStatus: s } });
  return new GatewayError('KANTA_BAD_RESPONSE', `Kanta answered HTTP ${s}`, { details: { url, httpStatus: s, reason: 'unexpected-status' } });
}

export class KantaTransport {
  readonly url: string;
  private readonly agent: Agent;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private closing: Promise<void> | undefined;

  constructor(opts: TransportOptions) {
    const o = { ...TRANSPORT_DEFAULTS, ...stripUndefined(opts), url: opts.url };
    let parsed: URL;
    try {
      parsed = new URL(o.url);
    } catch {
      throw new GatewayError('CONFIG_INVALID', 'Access point url is not a URL', { details: { field: 'url' } });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new GatewayError('CONFIG_INVALID', 'Access point url must be https: (or http: for a local double)', { details: { field: 'url' } });
    }
    this.url = o.url;
    // The whole exchange gets one deadline; undici's own timers catch a silent phase earlier.
    this.deadlineMs = o.connectTimeoutMs + o.responseTimeoutMs;
    this.maxResponseBytes = o.maxResponseBytes;
    this.agent = new Agent({
      connections: o.maxConnections,
      headersTimeout: o.responseTimeoutMs,
      bodyTimeout: o.responseTimeoutMs,
      connect: {
        timeout: o.connectTimeoutMs,
        rejectUnauthorized: o.rejectUnauthorized,
        ...(o.caPem ? { ca: o.caPem } : {}),
        ...(o.tlsClient ? { cert: o.tlsClient.certPem, key: o.tlsClient.keyPem } : {}),
        ...(o.tlsClient?.passphrase ? { passphrase: o.tlsClient.passphrase } : {}),
      },
    });
  }

  /** POSTs the body; resolves with any HTTP status, rejects only with KANTA_* GatewayErrors. */
  async post(body: string, headers: Record<string, string>): Promise<HttpAnswer> {
    if (this.closing) throw new GatewayError('KANTA_CONNECTION', 'The Kanta transport is closed', { details: { url: this.url, reason: 'closed' } });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`no complete answer within ${this.deadlineMs} ms`)), this.deadlineMs);
    try {
      const res = await request(this.url, { method: 'POST', body, headers, dispatcher: this.agent, signal: controller.signal });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxResponseBytes) {
          res.body.destroy();
          throw new GatewayError('KANTA_BAD_RESPONSE', `Kanta's answer exceeds ${this.maxResponseBytes} bytes`, { details: { url: this.url, reason: 'too-large' } });
        }
        chunks.push(chunk as Buffer);
      }
      return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
    } catch (err) {
      throw transportError(controller.signal.aborted ? new DeadlineExceeded('deadline', { cause: err }) : err, this.url);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for in-flight exchanges, then closes the pool; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
