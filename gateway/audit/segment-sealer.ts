// Moves the older part of every organisation's usage log from Redis to sealed segment files
// (segment-file.ts) listed in a hash-chained manifest (segment-manifest.ts), then trims Redis. One
// sealer at a time across all gateway processes (a Redis lock); each step is ordered so that a crash
// anywhere neither loses nor duplicates an entry:
//   1. segment written to a temporary name, fsynced, renamed, directory fsynced;
//   2. manifest line appended and fsynced: from here on the entries are sealed;
//   3. Redis trimmed up to the sealed seq (one XTRIM MINID, exact), and the sealed head recorded.
// Restarting over any half-done state: a segment file the manifest does not list is unfinished and is
// removed and redone from Redis (which still holds it); a manifest line whose trim did not happen is
// trimmed first. The chain head hash is never touched, so appends continue the chain throughout.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { GatewayError, storageCall } from '../../domain/errors.ts';
import type { Logger } from '../logger.ts';
import type { AuditRecord } from './audit-log.ts';
import { auditHeadPattern, auditKeys, auditSealerLockKey } from './audit-keys.ts';
import { parseSegmentFileName, syncDirectory, TEMP_SUFFIX, writeSegment } from './segment-file.ts';
import { appendManifest, MANIFEST_FILE, readManifest, type ManifestState } from './segment-manifest.ts';
import { applyRetention, type RetentionReport } from './segment-retention.ts';
import { verifyChain } from './verify-chain.ts';
import { OID_PATTERN } from '../../domain/values.ts';

/** Points a test can fail at, to leave the state a crash there would leave. */
export type SealStep = 'segment-written' | 'manifest-written' | 'trimmed' | 'retention-recorded';

export interface SealerOptions {
  redis: Redis;
  /** Redis key prefix (config redis.keyPrefix). */
  prefix: string;
  /** Directory holding one sub-directory of segments per organisation. */
  dir: string;
  /** Entries older than this are sealed. */
  sealAfterMs: number;
  /** Most entries in one segment; a live window holding this many is sealed whatever their age. */
  maxEntries: number;
  /** Segments whose newest entry is older than this many years are deleted (undefined: kept for ever). */
  retentionYears?: number;
  now?: () => Date;
  /**
   * How long the lock is held without renewal; renewed after every segment.
   * @defaultValue 120000
   */
  lockMs?: number;
  /** Test hook: called after each step; throwing there leaves the state of a crash at that point. */
  fault?: (step: SealStep, organisation: string) => void | Promise<void>;
}

export interface SealReport {
  /** false when another process held the lock: nothing was done. */
  ran: boolean;
  organisations: Array<{ organisation: string; sealedSegments: number; sealedEntries: number; trimmedEarlier: boolean; removedUnfinished: number; retention: RetentionReport }>;
}

// KEYS: stream, sealed hash. ARGV: minimum id kept, sealed seq, its digest, its at ms, manifest head.
// Trims exactly the entries with seq ≤ sealed seq (stream ids are `<at ms>-<seq>` with at never
// decreasing, so `<at of sealed>-<sealed+1>` is above every sealed id and at most every later one) and
// records what is sealed; never moves the sealed mark backwards.
const TRIM_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if current > tonumber(ARGV[2]) then return 0 end
local n = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
redis.call('HSET', KEYS[2], 'seq', ARGV[2], 'digest', ARGV[3], 'atMs', ARGV[4], 'manifestDigest', ARGV[5])
return n
`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Records verified per event-loop turn while sealing. */
const VERIFY_SLICE = 2_000;

interface Batch {
  first: AuditRecord;
  last: AuditRecord;
  /** Canonical lines as Redis holds them. */
  lines: string[];
  firstSeq: number;
  lastSeq: number;
}

function parseRecord(text: string | undefined, org: string): AuditRecord {
  if (text === undefined) throw new GatewayError('AUDIT_SEGMENT_CHAIN_BROKEN', `audit stream of ${org} holds an entry without a record`);
  return JSON.parse(text) as AuditRecord;
}

export class AuditSealer {
  private readonly now: () => Date;
  private readonly lockMs: number;
  private readonly token = randomUUID();

  constructor(private readonly opts: SealerOptions) {
    if (!path.isAbsolute(opts.dir)) throw new GatewayError('CONFIG_INVALID', 'audit.segments.dir must be an absolute path');
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new GatewayError('CONFIG_INVALID', 'audit.segments.maxEntries must be a positive integer');
    if (!(opts.sealAfterMs >= 0)) throw new GatewayError('CONFIG_INVALID', 'audit.segments sealing age must not be negative');
    this.now = opts.now ?? (() => new Date());
    this.lockMs = opts.lockMs ?? 120_000;
  }

  /** One sealing pass over every organisation that has a log; a no-op report when another process holds the lock. */
  async sealAll(): Promise<SealReport> {
    const lock = auditSealerLockKey(this.opts.prefix);
    const got = await storageCall(() => this.opts.redis.set(lock, this.token, 'PX', this.lockMs, 'NX'));
    if (got !== 'OK') return { ran: false, organisations: [] };
    try {
      const report: SealReport = { ran: true, organisations: [] };
      for (const org of await this.organisations()) {
        report.organisations.push(await this.sealOrganisation(org));
        await this.renew();
      }
      return report;
    } finally {
      await this.opts.redis.eval(RELEASE_SCRIPT, 1, lock, this.token).catch(() => {});
    }
  }

  private async renew(): Promise<void> {
    const ok = await storageCall(() => this.opts.redis.eval(RENEW_SCRIPT, 1, auditSealerLockKey(this.opts.prefix), this.token, String(this.lockMs)));
    // Lost the lock (a pause longer than lockMs): stop before another sealer's work overlaps ours.
    if (ok !== 1) throw new GatewayError('AUDIT_SEALER_LOCK_LOST', undefined, { details: { lockMs: this.lockMs } });
  }

  private async organisations(): Promise<string[]> {
    const out = new Set<string>();
    const pattern = auditHeadPattern(this.opts.prefix);
    let cursor = '0';
    do {
      const [next, keys] = await storageCall(() => this.opts.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
      cursor = next;
      for (const k of keys) {
        const org = k.slice(`${this.opts.prefix}:audit:`.length, -':head'.length);
        if (OID_PATTERN.test(org)) out.add(org);
      }
    } while (cursor !== '0');
    return [...out].sort();
  }

  private async step(step: SealStep, org: string): Promise<void> {
    await this.opts.fault?.(step, org);
  }

  async sealOrganisation(org: string): Promise<SealReport['organisations'][number]> {
    const dir = path.join(this.opts.dir, org);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    let state = await readManifest(dir, org);
    const keys = auditKeys(this.opts.prefix, org);

    // A crash after the manifest line and before the trim: trim now (idempotent).
    const trimmedEarlier = state.lastSealedSeq > 0 ? (await this.trim(org, state)) > 0 : false;
    const removedUnfinished = await this.removeUnfinished(dir, state);

    let sealedSegments = 0;
    let sealedEntries = 0;
    for (;;) {
      const batch = await this.nextBatch(org, keys.stream, state);
      if (!batch) break;
      const written = await writeSegment(dir, batch);
      await this.step('segment-written', org);
      const { first, last } = batch;
      // Still ours? A sealer paused past lockMs must not list a segment another one may be writing too.
      await this.renew();
      state = await appendManifest(dir, org, state, {
        kind: 'sealed',
        file: written.file,
        firstSeq: first.seq,
        lastSeq: last.seq,
        firstPrev: first.prev,
        lastDigest: last.digest,
        firstAt: first.at,
        lastAt: last.at,
        entries: batch.lines.length,
        bytes: written.bytes,
        fileSha256: written.fileSha256,
        sealedAt: this.now().toISOString(),
      });
      await syncDirectory(dir);
      await this.step('manifest-written', org);
      await this.trim(org, state);
      await this.step('trimmed', org);
      sealedSegments += 1;
      sealedEntries += batch.lines.length;
    }

    const retention = this.opts.retentionYears === undefined
      ? { deletedSegments: 0, deletedEntries: 0 }
      : await applyRetention({ dir, organisation: org, state, now: this.now(), retentionYears: this.opts.retentionYears, afterRecord: () => this.step('retention-recorded', org) });
    // Record the manifest head after the deletion lines too (the trim itself is a no-op by now).
    if (retention.deletedSegments > 0) await this.trim(org, await readManifest(dir, org));
    return { organisation: org, sealedSegments, sealedEntries, trimmedEarlier, removedUnfinished, retention };
  }

  /** The next run to seal: from the first unsealed seq, those old enough, or a full segment whatever its age. */
  private async nextBatch(org: string, stream: string, state: ManifestState): Promise<Batch | undefined> {
    const page = await storageCall(() => this.opts.redis.xrange(stream, '-', '+', 'COUNT', this.opts.maxEntries));
    const lines: string[] = [];
    const records: AuditRecord[] = [];
    const cutoff = this.now().getTime() - this.opts.sealAfterMs;
    const full = page.length >= this.opts.maxEntries;
    for (const [, fields] of page) {
      const line = fields[fields.indexOf('r') + 1];
      const r = parseRecord(line, org);
      if (r.seq <= state.lastSealedSeq) continue;
      // `at` never decreases along the chain, so the old-enough entries are a prefix.
      if (!full && Date.parse(r.at) > cutoff) break;
      lines.push(line!);
      records.push(r);
    }
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return undefined;
    // Never seal what does not continue the sealed chain: it would make every later segment unverifiable.
    // Checked in slices with a turn of the event loop between them: the sealer shares its process with queue workers.
    let anchor = state.lastSealedDigest;
    for (let i = 0; i < lines.length; i += VERIFY_SLICE) {
      const slice = lines.slice(i, i + VERIFY_SLICE);
      const check = verifyChain(slice, { mode: 'range' });
      const expectedSeq = state.lastSealedSeq + 1 + i;
      if (!check.valid || check.firstSeq !== expectedSeq || check.anchor !== anchor || check.organisation !== org) {
        throw new GatewayError('AUDIT_SEGMENT_CHAIN_BROKEN', undefined, {
          details: { organisation: org, expectedSeq, foundSeq: check.firstSeq ?? 0, ...(check.reason ? { reason: check.reason } : {}) },
        });
      }
      anchor = check.lastDigest!;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { first, last, lines, firstSeq: first.seq, lastSeq: last.seq };
  }

  private async trim(org: string, state: ManifestState): Promise<number> {
    const keys = auditKeys(this.opts.prefix, org);
    const minId = `${state.lastSealedAtMs}-${state.lastSealedSeq + 1}`;
    const n = await storageCall(() =>
      this.opts.redis.eval(TRIM_SCRIPT, 2, keys.stream, keys.sealed, minId, String(state.lastSealedSeq), state.lastSealedDigest, String(state.lastSealedAtMs), state.head),
    );
    return Number(n);
  }

  /** Segment files the manifest does not list as retained: unfinished (redone) or deleted by retention (finished). */
  private async removeUnfinished(dir: string, state: ManifestState): Promise<number> {
    const keep = new Set(state.retained.map((r) => r.file));
    let removed = 0;
    for (const name of await readdir(dir)) {
      if (name === MANIFEST_FILE) continue;
      if (name.endsWith(TEMP_SUFFIX) || (parseSegmentFileName(name) && !keep.has(name))) {
        await unlink(path.join(dir, name));
        removed += 1;
      }
    }
    if (removed > 0) await syncDirectory(dir);
    return removed;
  }
}

/** Runs a sealing pass every `intervalMs` (never two at once in this process); returns the stop function. */
export function startSealing(sealer: AuditSealer, intervalMs: number, logger: Logger): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    // A pass longer than the interval is not overlapped by the next one.
    if (running) return;
    running = sealer.sealAll().then(
      (r) => {
        const sealed = r.organisations.reduce((n, o) => n + o.sealedEntries, 0);
        const deleted = r.organisations.reduce((n, o) => n + o.retention.deletedEntries, 0);
        if (sealed > 0 || deleted > 0) logger.info('usage log sealed', { sealedEntries: sealed, deletedEntries: deleted });
      },
      (err) => logger.error('usage log sealing failed', { code: (err as GatewayError).code, error: (err as Error).message }),
    ).finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
