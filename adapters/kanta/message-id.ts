// Message id extensions: unique per send (kanta-binding.md §2: a resend after a timeout carries a new
// message id and the same document id). Digits only, like the public samples (e.g. "10036249903").
import { randomInt } from 'node:crypto';

let counter = 0;

/** Milliseconds since epoch (13 digits) + a per-process counter (4) + random (5): unique across concurrent sends and across processes. */
export function newMessageIdExtension(now: number = Date.now()): string {
  counter = (counter + 1) % 10_000;
  return `${now}${String(counter).padStart(4, '0')}${String(randomInt(100_000)).padStart(5, '0')}`;
}
