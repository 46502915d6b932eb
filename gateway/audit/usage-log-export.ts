// An organisation's whole usage log as one stream: the sealed segments on disk (segment-manifest.ts),
// then what is still live in Redis (AuditLog.liveRecords), filtered by time range and client the same
// way AuditLog.export filters the live part alone. Retention-deleted entries are gone; the stream
// starts at the first retained seq (verify it in range mode).
//
// A sealer may seal and trim while an export runs. Redis is read after the manifest, so anything
// trimmed in between is missing from the Redis part: then the manifest is read again and the missing
// run is taken from the segments just sealed. An entry is yielded once, in seq order, never skipped.
import path from 'node:path';
import { GatewayError } from '../../domain/errors.ts';
import { checkAuditRange, type AuditLog, type AuditRange, type AuditRecord } from './audit-log.ts';
import { segmentLines } from './segment-file.ts';
import { readManifest, type ManifestState } from './segment-manifest.ts';

export interface SealedSegments {
  /** The segments root (config audit.segments.dir). */
  dir: string;
}

async function* segmentRecords(dir: string, state: ManifestState, fromSeq: number, skipBeforeMs: number | undefined): AsyncGenerator<AuditRecord> {
  for (const seg of state.retained) {
    if (seg.lastSeq < fromSeq) continue;
    // Only a time-bounded export without a client filter may skip a whole segment by its time span.
    if (skipBeforeMs !== undefined && Date.parse(seg.lastAt) < skipBeforeMs) continue;
    try {
      for await (const line of segmentLines(path.join(dir, seg.file))) {
        const r = JSON.parse(line) as AuditRecord;
        if (r.seq >= fromSeq) yield r;
      }
    } catch (err) {
      throw new GatewayError('AUDIT_SEGMENT_UNREADABLE', undefined, { details: { file: seg.file }, cause: err });
    }
  }
}

/** Every record of the chain still kept, sealed then live, in seq order, up to `upToSeq`. */
async function* allRecords(log: AuditLog, sealed: SealedSegments | undefined, org: string, upToSeq: number, skipBeforeMs?: number): AsyncGenerator<AuditRecord> {
  const dir = sealed ? path.join(sealed.dir, org) : undefined;
  let next = 1;
  if (dir) {
    const state = await readManifest(dir, org);
    next = state.retained[0]?.firstSeq ?? state.lastSealedSeq + 1;
    for await (const r of segmentRecords(dir, state, next, skipBeforeMs)) {
      if (r.seq > upToSeq) return;
      yield r;
      next = r.seq + 1;
    }
    next = Math.max(next, state.lastSealedSeq + 1);
  }
  for await (const r of log.liveRecords(org)) {
    if (r.seq > upToSeq) return;
    if (r.seq < next) continue;
    if (r.seq > next && dir) {
      // Sealed and trimmed meanwhile: the run next … r.seq-1 is on disk now.
      const state = await readManifest(dir, org);
      for await (const s of segmentRecords(dir, state, next, undefined)) {
        if (s.seq >= r.seq) break;
        yield s;
        next = s.seq + 1;
      }
      if (next !== r.seq) throw new GatewayError('AUDIT_SEGMENT_UNREADABLE', `usage log of ${org}: seq ${next} is neither sealed nor live`);
    }
    yield r;
    next = r.seq + 1;
  }
  // Everything after `next` sealed and trimmed while Redis was being read: it is on disk now.
  if (dir && next <= upToSeq) {
    const state = await readManifest(dir, org);
    for await (const s of segmentRecords(dir, state, next, undefined)) {
      if (s.seq > upToSeq) return;
      yield s;
    }
  }
}

/**
 * The chain of `org` as AuditLog.export gives it, but including the sealed part. `range.upToSeq` should
 * be the head announced to the reader (Audit-Chain-Head).
 */
export async function* exportUsageLog(log: AuditLog, sealed: SealedSegments | undefined, organisation: string, range: AuditRange = {}): AsyncGenerator<AuditRecord> {
  const { fromMs, toMs } = checkAuditRange(range);
  const head = await log.head(organisation);
  if (!head) return;
  const upTo = Math.min(range.upToSeq ?? head.seq, head.seq);
  const wantedKey = range.client ? log.clientKeyOf(range.client) : undefined;
  let documents: Set<string> | undefined;
  if (wantedKey) {
    // Queue entries (archived, parked …) name the document, not the client: collect the client's
    // documents from the whole chain first, whatever the range.
    documents = new Set();
    for await (const r of allRecords(log, sealed, organisation, upTo)) if (r.clientKey === wantedKey && r.documentId) documents.add(r.documentId);
  }
  for await (const r of allRecords(log, sealed, organisation, upTo, wantedKey ? undefined : fromMs)) {
    const at = Date.parse(r.at);
    if (fromMs !== undefined && at < fromMs) continue;
    if (toMs !== undefined && at > toMs) return;
    if (wantedKey && r.clientKey !== wantedKey && !(r.documentId && documents!.has(r.documentId))) continue;
    yield r;
  }
}
