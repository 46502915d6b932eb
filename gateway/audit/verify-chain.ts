// The usage log's chain format and its verifier. Standalone on purpose (X-Road's archive verifier is
// the model): it imports only node:crypto, so an exported NDJSON file can be checked anywhere, by the
// organisation or by a client's representative, without the gateway, its Redis or its configuration.
// audit-log.ts computes digests with the functions below, so writer and verifier cannot drift apart.
import { createHash } from 'node:crypto';

/** The only digest algorithm written today; the prefix travels with every value so a later one can be added. */
export const DIGEST_ALGORITHM = 'sha256';
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * JSON with object keys in code-unit order at every depth and no whitespace; `undefined` members are
 * left out, as JSON.stringify does. The same record always yields the same bytes, whoever wrote it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function sha256Digest(text: string): string {
  return `${DIGEST_ALGORITHM}:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** `prev` of a chain's first record: the digest of the organisation OID, so chains of two organisations never share a start. */
export function genesisDigest(organisation: string): string {
  return sha256Digest(organisation);
}

/** Digest of a record: over its canonical form without the `digest` member (which includes `prev`, linking the chain). */
export function recordDigest(record: Record<string, unknown>): string {
  const { digest: _omit, ...rest } = record;
  return sha256Digest(canonicalJson(rest));
}

/**
 * The digest of an unsigned record and the record's canonical line with that digest in it, serialising
 * each member once: the same bytes as `recordDigest(unsigned)` and `canonicalJson({ ...unsigned, digest })`
 * (the line is the digested text with the `digest` member inserted at its place in key order), for the
 * writer, which needs both for every record.
 */
export function sealRecord(unsigned: Record<string, unknown>): { digest: string; line: string } {
  const keys = Object.keys(unsigned)
    .filter((k) => k !== 'digest' && unsigned[k] !== undefined)
    .sort();
  const members = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(unsigned[k])}`);
  const digest = sha256Digest(`{${members.join(',')}}`);
  // `<` on strings compares code units, as sort() does, so this is where sorting would have put it.
  let at = keys.findIndex((k) => 'digest' < k);
  if (at < 0) at = keys.length;
  members.splice(at, 0, `"digest":${JSON.stringify(digest)}`);
  return { digest, line: `{${members.join(',')}}` };
}

export interface VerifyOptions {
  /**
   * 'full' (default): the export is the whole chain: seq 1 with the genesis prev, then every seq.
   * 'range': a contiguous slice (time-range export or a chain whose older part was archived): the
   *   first record's prev is taken as the anchor and reported, to compare with the earlier part's last digest.
   * 'sparse': a filtered export (one client's entries): seq only increases; each digest is checked and
   *   prev linkage only between neighbours whose seq is consecutive.
   */
  mode?: 'full' | 'range' | 'sparse';
  /** The chain head as the gateway reported it; a missing tail (deleted last lines) is detected only with it. */
  expectedHead?: { seq: number; digest: string };
}

export interface ChainVerification {
  valid: boolean;
  /** Records read (non-blank lines). */
  count: number;
  organisation?: string;
  firstSeq?: number;
  lastSeq?: number;
  /** Digest of the last record read: the head to compare with, or to anchor the next export. */
  lastDigest?: string;
  /** In 'range' mode: the prev of the first record, i.e. the digest the slice continues from. */
  anchor?: string;
  /** The lowest seq whose integrity cannot be established (missing, misplaced, altered or unlinked). */
  firstBrokenSeq?: number;
  /** 1-based line number of the failing line, when the failure sits on a line. */
  firstBrokenLine?: number;
  reason?: string;
}

type Parsed = { seq: number; organisation: string; prev: string; digest: string; body: Record<string, unknown> };

function parseLine(line: string): Parsed | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'line is not JSON';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'line is not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 1) return 'seq is not a positive integer';
  if (typeof r.organisation !== 'string' || r.organisation === '') return 'organisation is missing';
  if (typeof r.prev !== 'string' || typeof r.digest !== 'string') return 'prev or digest is missing';
  if (!DIGEST.test(r.prev) || !DIGEST.test(r.digest)) {
    const bad = DIGEST.test(r.prev) ? r.digest : r.prev;
    const algo = bad.split(':', 1)[0];
    return algo !== DIGEST_ALGORITHM ? `unsupported digest algorithm "${algo}"` : 'digest value is malformed';
  }
  return { seq: r.seq, organisation: r.organisation, prev: r.prev, digest: r.digest, body: r };
}

/** Verifies an exported chain given as NDJSON text or as its lines. Pure: no I/O, no clock. */
export function verifyChain(input: string | Iterable<string>, opts: VerifyOptions = {}): ChainVerification {
  const mode = opts.mode ?? 'full';
  const lines = typeof input === 'string' ? input.split('\n') : input;
  let count = 0;
  let lineNo = 0;
  let previous: Parsed | undefined;
  let first: Parsed | undefined;
  let anchor: string | undefined;
  const summary = (): ChainVerification => ({
    valid: true,
    count,
    ...(first ? { organisation: first.organisation, firstSeq: first.seq } : {}),
    ...(previous ? { lastSeq: previous.seq, lastDigest: previous.digest } : {}),
    ...(anchor ? { anchor } : {}),
  });
  const broken = (seq: number | undefined, reason: string, onLine = true): ChainVerification => ({
    ...summary(),
    valid: false,
    ...(seq !== undefined ? { firstBrokenSeq: seq } : {}),
    ...(onLine ? { firstBrokenLine: lineNo } : {}),
    reason,
  });

  for (const raw of lines) {
    lineNo += 1;
    const line = raw.trim();
    if (line === '') continue;
    const expected = previous ? previous.seq + 1 : mode === 'full' ? 1 : undefined;
    const p = parseLine(line);
    if (typeof p === 'string') return broken(expected, p);
    count += 1;

    if (!first) {
      first = p;
      if (mode === 'full') {
        if (p.seq !== 1) return broken(1, `the chain starts at seq ${p.seq}, not 1 (use range mode for a slice)`);
        if (p.prev !== genesisDigest(p.organisation)) return broken(1, 'seq 1 does not start from the organisation\'s genesis digest');
      } else {
        anchor = p.prev;
      }
    } else if (p.organisation !== first.organisation) {
      return broken(p.seq, `record belongs to organisation ${p.organisation}, the chain to ${first.organisation}`);
    }

    if (previous) {
      if (mode === 'sparse') {
        if (p.seq <= previous.seq) return broken(previous.seq + 1, `seq ${p.seq} follows seq ${previous.seq} (out of order or repeated)`);
      } else if (p.seq !== previous.seq + 1) {
        return broken(previous.seq + 1, p.seq > previous.seq ? `seq ${previous.seq + 1} is missing (found ${p.seq})` : `seq ${p.seq} follows seq ${previous.seq} (out of order or repeated)`);
      }
    }
    if (recordDigest(p.body) !== p.digest) return broken(p.seq, `seq ${p.seq}: digest does not match the record's content`);
    if (previous && p.seq === previous.seq + 1 && p.prev !== previous.digest) {
      return broken(p.seq, `seq ${p.seq}: prev does not match the digest of seq ${previous.seq}`);
    }
    previous = p;
  }

  const head = opts.expectedHead;
  if (head) {
    if (!previous) return broken(mode === 'full' ? 1 : undefined, 'the export is empty but a head was expected', false);
    if (mode === 'sparse') {
      if (previous.seq > head.seq) return broken(head.seq + 1, `the export goes past the expected head seq ${head.seq}`, false);
      if (previous.seq === head.seq && previous.digest !== head.digest) return broken(head.seq, `seq ${head.seq}: digest differs from the expected head`, false);
    } else {
      if (previous.seq < head.seq) return broken(previous.seq + 1, `the export ends at seq ${previous.seq}; the head is seq ${head.seq}`, false);
      if (previous.seq > head.seq) return broken(head.seq + 1, `the export goes past the expected head seq ${head.seq}`, false);
      if (previous.digest !== head.digest) return broken(head.seq, `seq ${head.seq}: digest differs from the expected head`, false);
    }
  }
  return summary();
}
