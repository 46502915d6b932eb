// How a receiver knows a callback came from this gateway and is fresh: HMAC-SHA256, keyed with the
// tenant's callback secret, over `${timestamp}.${body}` (the exact body bytes sent), sent as
//   Kanta-Gateway-Signature: t=<unix seconds>,v1=<lowercase hex>
// The timestamp is the attempt's own, so a replayed old request fails the receiver's age check; the
// body, and with it the event id, stays the same on every attempt (docs/callbacks.md).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Kanta-Gateway-Signature';
/** The event's id, also in the body: the idempotency key a receiver dedupes on (at-least-once delivery). */
export const EVENT_ID_HEADER = 'Kanta-Gateway-Event-Id';
/** Which attempt this is (1 = first); informative only, not signed. */
export const ATTEMPT_HEADER = 'Kanta-Gateway-Attempt';

/** Receivers should refuse a signature older (or newer) than this. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for one attempt. */
export function signatureHeader(secret: string, body: string, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) throw new TypeError('timestamp must be whole unix seconds');
  return `t=${timestampSeconds},v1=${mac(secret, timestampSeconds, body)}`;
}

/**
 * The receiver's check, exactly as docs/callbacks.md describes it: parse t and every v1, recompute the
 * HMAC over `${t}.${body}`, compare in constant time, and refuse a timestamp outside the tolerance.
 */
export function verifySignature(secret: string, body: string, header: string | undefined, opts: { nowSeconds?: number; toleranceSeconds?: number } = {}): boolean {
  if (!header) return false;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) v1.push(v);
  }
  if (t === undefined || v1.length === 0) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(mac(secret, t, body), 'hex');
  return v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
