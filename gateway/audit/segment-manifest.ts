// The manifest of an organisation's sealed segments: `manifest.ndjson` next to them, one hash-chained
// line per event (a segment sealed, a segment deleted by retention), each line's digest over its
// canonical form including the previous line's digest, as in the usage log itself. The manifest head
// is also recorded in Redis (audit-keys.ts `sealed`), so a manifest rewritten on disk from scratch no
// longer matches. X-Road's archive works the same way: each archive file starts from the previous
// file's last digest, and the chain of archive files is itself verifiable.
import { open, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, recordDigest, sha256Digest } from './verify-chain.ts';

export const MANIFEST_FILE = 'manifest.ndjson';

interface ManifestBase {
  /** 1, 2, 3 … per organisation. */
  n: number;
  organisation: string;
  /** Segment file name (in the organisation's directory). */
  file: string;
  firstSeq: number;
  lastSeq: number;
  /** Digest of the segment's last record: what the next segment's first record must continue from. */
  lastDigest: string;
  prev: string;
  digest: string;
}

export interface SealedRecord extends ManifestBase {
  kind: 'sealed';
  /** prev of the segment's first record (the genesis digest for seq 1). */
  firstPrev: string;
  firstAt: string;
  lastAt: string;
  entries: number;
  bytes: number;
  fileSha256: string;
  sealedAt: string;
}

export interface DeletedRecord extends ManifestBase {
  kind: 'deleted';
  reason: 'retention';
  retentionYears: number;
  deletedAt: string;
}

export type ManifestRecord = SealedRecord | DeletedRecord;
type Unchained<T> = T extends ManifestRecord ? Omit<T, 'n' | 'organisation' | 'prev' | 'digest'> : never;
export type ManifestEvent = Unchained<ManifestRecord>;

/** prev of the first manifest line: distinct from the usage log's genesis for the same organisation. */
export function manifestGenesis(organisation: string): string {
  return sha256Digest(`manifest:${organisation}`);
}

export interface ManifestState {
  records: ManifestRecord[];
  /** Segments sealed and not deleted, in seq order. */
  retained: SealedRecord[];
  /** Segments deleted by retention, in seq order (always the oldest ones). */
  deleted: SealedRecord[];
  /** Last seq moved to disk (0 when nothing is sealed). */
  lastSealedSeq: number;
  /** Digest of that record, or the chain's genesis: where Redis must continue. */
  lastSealedDigest: string;
  /** `at` of the last sealed record in ms (for the trim's stream id), 0 when nothing is sealed. */
  lastSealedAtMs: number;
  /** Digest of the last manifest line, or the manifest genesis. */
  head: string;
  /** A torn last line (crash mid-write) was found and is ignored (and cut by the next append). */
  tornBytes: number;
}

/** The state a manifest describes; pure, so the sealer, the exporter and the verifier read it alike. */
export function manifestState(organisation: string, records: ManifestRecord[], tornBytes = 0): ManifestState {
  const sealed = records.filter((r): r is SealedRecord => r.kind === 'sealed');
  const gone = new Set(records.filter((r) => r.kind === 'deleted').map((r) => r.file));
  const last = sealed[sealed.length - 1];
  return {
    records,
    retained: sealed.filter((r) => !gone.has(r.file)),
    deleted: sealed.filter((r) => gone.has(r.file)),
    lastSealedSeq: last?.lastSeq ?? 0,
    lastSealedDigest: last?.lastDigest ?? sha256Digest(organisation),
    lastSealedAtMs: last ? Date.parse(last.lastAt) : 0,
    head: records[records.length - 1]?.digest ?? manifestGenesis(organisation),
    tornBytes,
  };
}

/**
 * Reads the manifest of one organisation's directory. Only a last line without its newline counts as
 * torn (a crash mid-append); any other unreadable line is an error, since dropping it would hide tampering.
 */
export async function readManifest(dir: string, organisation: string): Promise<ManifestState> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return manifestState(organisation, []);
    throw err;
  }
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const records = complete
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ManifestRecord);
  return manifestState(organisation, records, Buffer.byteLength(text) - Buffer.byteLength(complete));
}

/** Appends one chained line and fsyncs it; a torn tail from an earlier crash is cut first. */
export async function appendManifest(dir: string, organisation: string, state: ManifestState, event: ManifestEvent): Promise<ManifestState> {
  const file = path.join(dir, MANIFEST_FILE);
  if (state.tornBytes > 0) {
    const size = Buffer.byteLength(state.records.map((r) => `${canonicalJson(r)}\n`).join(''));
    await truncate(file, size);
  }
  const unsigned = { ...event, n: state.records.length + 1, organisation, prev: state.head };
  const record = { ...unsigned, digest: recordDigest(unsigned) } as ManifestRecord;
  const fh = await open(file, 'a', 0o640);
  try {
    await fh.appendFile(`${canonicalJson(record)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return manifestState(organisation, [...state.records, record]);
}
