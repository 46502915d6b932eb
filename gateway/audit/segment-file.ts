// One sealed segment of an organisation's usage log on disk: a contiguous run of chained records as
// gzip NDJSON (the canonical lines of verify-chain.ts, one a line). Written to a temporary name, fsynced,
// renamed and the directory fsynced, so after a crash a segment file either is complete or does not
// exist under its final name (an unfinished `.tmp` is removed and redone by the sealer).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export const SEGMENT_SUFFIX = '.ndjson.gz';
export const TEMP_SUFFIX = '.tmp';
const SEQ_DIGITS = 15;
const SEGMENT_NAME = /^(\d{15})-(\d{15})\.ndjson\.gz$/;

/** `000000000000001-000000000000500.ndjson.gz`: sorts by seq, and names the range it holds. */
export function segmentFileName(firstSeq: number, lastSeq: number): string {
  return `${String(firstSeq).padStart(SEQ_DIGITS, '0')}-${String(lastSeq).padStart(SEQ_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentFileName(name: string): { firstSeq: number; lastSeq: number } | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m ? { firstSeq: Number(m[1]), lastSeq: Number(m[2]) } : undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Writes and fsyncs a file under `name` in `dir` via a temporary name; fsyncs the directory after the rename. */
export async function writeDurably(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const target = path.join(dir, name);
  const temp = `${target}${TEMP_SUFFIX}`;
  const fh = await open(temp, 'w', 0o640);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, target);
  await syncDirectory(dir);
}

/** A rename or unlink is durable only once the directory itself is flushed. */
export async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export interface WrittenSegment {
  file: string;
  fileSha256: string;
  bytes: number;
}

/**
 * Writes one segment from the records' canonical lines as Redis holds them (audit-log.ts stores the
 * canonical form, so the bytes on disk are exactly what was chained).
 */
export async function writeSegment(dir: string, batch: { firstSeq: number; lastSeq: number; lines: readonly string[] }): Promise<WrittenSegment> {
  if (batch.lines.length === 0) throw new RangeError('writeSegment: no records');
  const bytes = await gzipAsync(Buffer.from(`${batch.lines.join('\n')}\n`, 'utf8'), { level: 6 });
  const file = segmentFileName(batch.firstSeq, batch.lastSeq);
  await writeDurably(dir, file, bytes);
  return { file, fileSha256: sha256Hex(bytes), bytes: bytes.length };
}

/** The segment's lines (canonical JSON records), streamed through gunzip. */
export async function* segmentLines(filePath: string): AsyncGenerator<string> {
  const source = createReadStream(filePath);
  const gunzip = createGunzip();
  // pipe() does not forward a read error (ENOENT, EIO); without this the reader would wait forever.
  source.on('error', (err) => gunzip.destroy(err));
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield line;
}
