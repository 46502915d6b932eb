// Retention of sealed usage-log segments: a segment whose newest entry is older than the retention
// period is deleted, oldest first, so the retained segments stay one contiguous run. The deletion is
// recorded in the manifest before the file goes (a crash in between leaves a file the sealer removes
// on its next pass), and the record keeps the deleted segment's last digest: the first retained
// segment's first `prev` must equal it, which anchors the retained chain as X-Road's archive does.
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from './segment-file.ts';
import { appendManifest, type ManifestState } from './segment-manifest.ts';

export interface RetentionReport {
  deletedSegments: number;
  deletedEntries: number;
}

/** The instant before which a segment's newest entry must lie to be deleted: `now` minus whole calendar years. */
export function retentionCutoff(now: Date, retentionYears: number): Date {
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - retentionYears);
  return cutoff;
}

export async function applyRetention(a: {
  dir: string;
  organisation: string;
  state: ManifestState;
  now: Date;
  retentionYears: number;
  /** Test hook between the manifest record and the unlink. */
  afterRecord?: () => void | Promise<void>;
}): Promise<RetentionReport> {
  const cutoff = retentionCutoff(a.now, a.retentionYears).getTime();
  let state = a.state;
  const report: RetentionReport = { deletedSegments: 0, deletedEntries: 0 };
  for (const seg of a.state.retained) {
    if (Date.parse(seg.lastAt) >= cutoff) break;
    state = await appendManifest(a.dir, a.organisation, state, {
      kind: 'deleted',
      file: seg.file,
      firstSeq: seg.firstSeq,
      lastSeq: seg.lastSeq,
      lastDigest: seg.lastDigest,
      reason: 'retention',
      retentionYears: a.retentionYears,
      deletedAt: a.now.toISOString(),
    });
    await a.afterRecord?.();
    await unlink(path.join(a.dir, seg.file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await syncDirectory(a.dir);
    report.deletedSegments += 1;
    report.deletedEntries += seg.entries;
  }
  return report;
}
