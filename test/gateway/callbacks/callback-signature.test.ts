// The callback signature and backoff as pure functions: what a receiver accepts and refuses, and the
// bounds of the retry delays.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { backoffDelayMs } from '../../../gateway/callbacks/callback-backoff.ts';
import { signatureHeader, verifySignature } from '../../../gateway/callbacks/callback-signature.ts';

const KEY = 'signature-test-key-0123456789';
const BODY = '{"id":"1-0","type":"archived"}';

describe('gateway/callbacks signature and backoff', () => {
  it('signs HMAC-SHA256 over "t.body" as t=…,v1=hex, and verifies only the same key, body and a fresh timestamp', () => {
    const h = signatureHeader(KEY, BODY, 1_800_000_000);
    expect(h).to.equal(`t=1800000000,v1=${createHmac('sha256', KEY).update(`1800000000.${BODY}`).digest('hex')}`);
    expect(verifySignature(KEY, BODY, h, { nowSeconds: 1_800_000_100 })).to.equal(true);
    expect(verifySignature(KEY, BODY, h, { nowSeconds: 1_800_000_301 }), 'older than the tolerance').to.equal(false);
    expect(verifySignature(KEY, BODY, h, { nowSeconds: 1_799_999_699 }), 'from the future').to.equal(false);
    expect(verifySignature(`${KEY}x`, BODY, h, { nowSeconds: 1_800_000_000 })).to.equal(false);
    expect(verifySignature(KEY, `${BODY}\n`, h, { nowSeconds: 1_800_000_000 })).to.equal(false);
    expect(verifySignature(KEY, BODY, h.replace('t=1800000000', 't=1800000001'), { nowSeconds: 1_800_000_000 }), 'timestamp is signed').to.equal(false);
    for (const bad of [undefined, '', 'v1=abc', 't=1800000000', 't=x,v1=00', `t=1800000000,v1=${'0'.repeat(63)}`]) expect(verifySignature(KEY, BODY, bad, { nowSeconds: 1_800_000_000 }), String(bad)).to.equal(false);
    // A second v1 (key rotation) is accepted when either matches.
    expect(verifySignature(KEY, BODY, `t=1800000000,v1=${'0'.repeat(64)},${h.split(',')[1]}`, { nowSeconds: 1_800_000_000 })).to.equal(true);
  });

  it('backs off exponentially up to maxMs, never below half the nominal delay', () => {
    const p = { initialMs: 100, maxMs: 1_000, factor: 2 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelayMs(p, n, () => 1))).to.deep.equal([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(p, n, () => 0))).to.deep.equal([50, 100, 200, 400, 500]);
    expect(backoffDelayMs({ initialMs: 100, maxMs: 100, factor: 1 }, 7, () => 0.5)).to.equal(75);
  });
});
