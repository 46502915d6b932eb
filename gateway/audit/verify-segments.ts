// Verifies an organisation's sealed usage log on disk: the manifest's own chain, every retained
// segment's file hash and record chain, the chain across segments (each segment's first prev is the
// previous one's last digest, the first retained one anchored by the manifest record of what retention
// deleted, or by the genesis digest), and optionally the chain into what is still live in Redis and the
// manifest head Redis recorded. Needs only node:fs, node:zlib, verify-chain.ts and the two format
// modules (segment-file.ts, segment-manifest.ts), so a copy of the directory can be checked without the gateway.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { segmentLines, sha256Hex } from './segment-file.ts';
import { manifestGenesis, readManifest, type ManifestRecord, type SealedRecord } from './segment-manifest.ts';
import { genesisDigest, recordDigest, verifyChain } from './verify-chain.ts';

export interface LiveChain {
  /** Records still in Redis, as canonical JSON lines, in seq order. */
  lines: AsyncIterable<string> | Iterable<string>;
  head?: { seq: number; digest: string };
  /** The sealed mark Redis recorded (audit-keys.ts `sealed`), when there is one. */
  sealed?: { seq: number; digest: string; manifestDigest: string };
}

export interface OrganisationVerification {
  organisation: string;
  valid: boolean;
  manifestRecords: number;
  retainedSegments: number;
  deletedSegments: number;
  /** Entries read from the retained segments. */
  entries: number;
  /** First seq still on disk and the digest it continues from (genesis, or the last digest retention deleted). */
  firstRetainedSeq?: number;
  anchor?: string;
  lastSealedSeq: number;
  lastSealedDigest: string;
  manifestHead: string;
  live?: { count: number; firstSeq?: number; lastSeq?: number };
  file?: string;
  reason?: string;
}

function fail(base: OrganisationVerification, reason: string, file?: string): OrganisationVerification {
  return { ...base, valid: false, reason, ...(file ? { file } : {}) };
}

export async function verifyOrganisationSegments(dir: string, organisation: string, live?: LiveChain): Promise<OrganisationVerification> {
  let state;
  try {
    state = await readManifest(dir, organisation);
  } catch (err) {
    return fail(emptyResult(organisation), `the manifest cannot be read: ${(err as Error).message}`, 'manifest.ndjson');
  }
  const base: OrganisationVerification = {
    organisation,
    valid: true,
    manifestRecords: state.records.length,
    retainedSegments: state.retained.length,
    deletedSegments: state.deleted.length,
    entries: 0,
    lastSealedSeq: state.lastSealedSeq,
    lastSealedDigest: state.lastSealedDigest,
    manifestHead: state.head,
  };
  if (state.tornBytes > 0) return fail(base, `the manifest ends in a torn line (${state.tornBytes} bytes); run the sealer to repair it`, 'manifest.ndjson');

  // 1. The manifest's own chain.
  let prev = manifestGenesis(organisation);
  for (const [i, r] of state.records.entries()) {
    if (r.n !== i + 1 || r.organisation !== organisation) return fail(base, `manifest line ${i + 1}: numbering or organisation is wrong`, 'manifest.ndjson');
    if (r.prev !== prev) return fail(base, `manifest line ${i + 1}: prev does not match line ${i}`, 'manifest.ndjson');
    if (recordDigest(r as unknown as Record<string, unknown>) !== r.digest) return fail(base, `manifest line ${i + 1}: digest does not match its content`, 'manifest.ndjson');
    prev = r.digest;
  }

  // 2. The sealed segments form one chain from the genesis digest, and retention deleted only a prefix.
  const sealed = state.records.filter((r): r is SealedRecord => r.kind === 'sealed');
  let expectedSeq = 1;
  let expectedPrev = genesisDigest(organisation);
  for (const s of sealed) {
    if (s.firstSeq !== expectedSeq || s.firstPrev !== expectedPrev) return fail(base, `segment ${s.file} does not continue the previous one (seq ${expectedSeq}, prev ${expectedPrev})`, s.file);
    if (s.entries !== s.lastSeq - s.firstSeq + 1) return fail(base, `segment ${s.file}: entries does not match its seq range`, s.file);
    expectedSeq = s.lastSeq + 1;
    expectedPrev = s.lastDigest;
  }
  const deletedFiles = new Set(state.records.filter((r: ManifestRecord) => r.kind === 'deleted').map((r) => r.file));
  for (const [i, s] of sealed.entries()) {
    if (deletedFiles.has(s.file) && i > 0 && !deletedFiles.has(sealed[i - 1]!.file)) return fail(base, `segment ${s.file} was deleted while an older one is retained`, s.file);
  }

  // 3. Each retained file: its bytes, then its records.
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  for (const [i, s] of state.retained.entries()) {
    if (!present.has(s.file)) return fail(base, `segment ${s.file} is missing`, s.file);
    const bytes = await readFile(path.join(dir, s.file));
    if (sha256Hex(bytes) !== s.fileSha256 || bytes.length !== s.bytes) return fail(base, `segment ${s.file}: file hash differs from the manifest (altered or replaced)`, s.file);
    let lines: string[];
    try {
      lines = [];
      for await (const l of segmentLines(path.join(dir, s.file))) lines.push(l);
    } catch (err) {
      return fail(base, `segment ${s.file} cannot be read: ${(err as Error).message}`, s.file);
    }
    const v = verifyChain(lines, { mode: s.firstSeq === 1 ? 'full' : 'range', expectedHead: { seq: s.lastSeq, digest: s.lastDigest } });
    if (!v.valid) return fail(base, `segment ${s.file}: ${v.reason}`, s.file);
    if (v.organisation !== organisation || v.firstSeq !== s.firstSeq || v.count !== s.entries) return fail(base, `segment ${s.file}: content does not match its manifest line`, s.file);
    if (s.firstSeq !== 1 && v.anchor !== s.firstPrev) return fail(base, `segment ${s.file}: first prev differs from the manifest`, s.file);
    if (i === 0) {
      base.firstRetainedSeq = s.firstSeq;
      base.anchor = s.firstPrev;
    }
    base.entries += v.count;
  }

  // 4. Into Redis: the live part continues the last sealed digest, up to the head.
  if (live) {
    // Redis' mark names a manifest line at or after the last seal (retention lines the sealer had not
    // marked yet when it stopped may follow it); a mark beyond the manifest means lines were lost.
    const lastSealIndex = state.records.map((r) => r.kind).lastIndexOf('sealed');
    const markedAt = live.sealed ? state.records.findIndex((r) => r.digest === live.sealed!.manifestDigest) : -1;
    if (live.sealed && (live.sealed.seq > state.lastSealedSeq || (live.sealed.seq === state.lastSealedSeq && markedAt < lastSealIndex))) {
      return fail(base, `Redis records seq ${live.sealed.seq} sealed with manifest head ${live.sealed.manifestDigest}; the manifest on disk differs (rewritten or lost lines)`, 'manifest.ndjson');
    }
    const rest: string[] = [];
    for await (const line of live.lines) {
      // A trim that a crash left undone: those entries are on disk already.
      if ((JSON.parse(line) as { seq: number }).seq > state.lastSealedSeq) rest.push(line);
    }
    const v = verifyChain(rest, { mode: 'range', ...(live.head && live.head.seq > state.lastSealedSeq ? { expectedHead: live.head } : {}) });
    const liveReport = { count: v.count, ...(v.firstSeq !== undefined ? { firstSeq: v.firstSeq, lastSeq: v.lastSeq! } : {}) };
    const withLive = { ...base, live: liveReport };
    if (!v.valid) return fail(withLive, `live part in Redis: ${v.reason}`);
    if (v.count > 0 && (v.firstSeq !== state.lastSealedSeq + 1 || v.anchor !== state.lastSealedDigest)) return fail(withLive, `live part in Redis starts at seq ${v.firstSeq}, not continuing the last sealed seq ${state.lastSealedSeq}`);
    if (v.count === 0 && live.head && live.head.seq !== state.lastSealedSeq) return fail(withLive, `the head is seq ${live.head.seq} but nothing after sealed seq ${state.lastSealedSeq} is in Redis`);
    if (v.count === 0 && live.head && live.head.digest !== state.lastSealedDigest) return fail(withLive, 'the head digest differs from the last sealed digest');
    return withLive;
  }
  return base;
}

function emptyResult(organisation: string): OrganisationVerification {
  return { organisation, valid: false, manifestRecords: 0, retainedSegments: 0, deletedSegments: 0, entries: 0, lastSealedSeq: 0, lastSealedDigest: genesisDigest(organisation), manifestHead: manifestGenesis(organisation) };
}

/** Every organisation directory under `root` (each holds a manifest). */
export async function segmentOrganisations(root: string): Promise<string[]> {
  const names = await readdir(root, { withFileTypes: true });
  return names.filter((d) => d.isDirectory() && /^\d+(\.\d+)+$/.test(d.name)).map((d) => d.name).sort();
}
