// The backfill's state file: an append-only journal of answers, one JSON line per document the gateway
// answered for good (accepted, or refused with a code). A rerun reads it and skips every key in it, so
// after an interruption — Ctrl-C or kill -9 — only what had no answer is sent again.
//
// Lines are buffered and written + fsynced in batches (every BATCH lines or FLUSH_MS), not per document:
// an fsync each would bound the rate by the disk. A kill -9 loses at most the unwritten batch; those
// documents are sent again, and the gateway answers a resubmission of the same bytes from the stored
// document (200, the first receipt) without storing or sending anything twice. A line torn by the kill
// is cut off when the journal is opened again.
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, createReadStream, ftruncateSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { GatewayError } from '../../domain/errors.ts';

export interface JournalHeader {
  journal: 'kanta-gateway-backfill';
  v: 1;
  source: string;
  tenant: string;
  createdAt: string;
}

export type JournalEntry =
  | { k: string; o: 'accepted'; st: number; id?: string }
  | { k: string; o: 'refused'; st: number; code: string; n: string };

const BATCH = 256;
const FLUSH_MS = 500;

export class BackfillJournal {
  private readonly accepted = new Set<string>();
  private readonly refused = new Map<string, { code: string; name: string }>();
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;

  private constructor(readonly file: string) {}

  /** Opens (or creates) the journal for this source and tenant; refuses one written for another. */
  static async open(file: string, source: string, tenant: string): Promise<BackfillJournal> {
    const j = new BackfillJournal(file);
    const existed = existsSync(file);
    j.fd = openSync(file, existed ? 'r+' : 'w+');
    if (existed) cutTornTail(j.fd);
    if (fstatSync(j.fd).size === 0) {
      const header: JournalHeader = { journal: 'kanta-gateway-backfill', v: 1, source, tenant, createdAt: new Date().toISOString() };
      writeSync(j.fd, `${JSON.stringify(header)}\n`, 0);
      fsyncSync(j.fd);
    } else {
      await j.replay(source, tenant);
    }
    return j;
  }

  private async replay(source: string, tenant: string): Promise<void> {
    const rl = createInterface({ input: createReadStream(this.file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let n = 0;
    for await (const line of rl) {
      n += 1;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new GatewayError('BACKFILL_STATE_MISMATCH', `${this.file} line ${n} is damaged (not JSON); move the file away to start over`);
      }
      if (n === 1) {
        const h = v as Partial<JournalHeader>;
        if (h.journal !== 'kanta-gateway-backfill') throw new GatewayError('BACKFILL_STATE_MISMATCH', `${this.file} is not a backfill state file`);
        if (h.tenant !== tenant || h.source !== source) {
          throw new GatewayError('BACKFILL_STATE_MISMATCH', `${this.file} records a backfill of ${h.source} for tenant ${h.tenant}, not ${source} for ${tenant}; give another --state`);
        }
        continue;
      }
      this.apply(v as JournalEntry);
    }
  }

  /** The last answer for a key wins (a refused document sent again with --retry-refused may be accepted). */
  private apply(e: JournalEntry): void {
    if (e.o === 'accepted') {
      this.refused.delete(e.k);
      this.accepted.add(e.k);
    } else {
      this.accepted.delete(e.k);
      this.refused.set(e.k, { code: e.code, name: e.n });
    }
  }

  answerFor(key: string): 'accepted' | 'refused' | undefined {
    return this.accepted.has(key) ? 'accepted' : this.refused.has(key) ? 'refused' : undefined;
  }

  get acceptedCount(): number {
    return this.accepted.size;
  }

  refusals(): ReadonlyMap<string, { code: string; name: string }> {
    return this.refused;
  }

  record(e: JournalEntry): void {
    this.apply(e);
    this.pending.push(JSON.stringify(e));
    if (this.pending.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes and fsyncs what is buffered. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    writeSync(this.fd, text, fstatSync(this.fd).size);
    fsyncSync(this.fd);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A kill -9 mid-write leaves a last line without its newline: cut it (its document is sent again). */
function cutTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const chunk = Buffer.alloc(Math.min(size, 1 << 20));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) {
      ftruncateSync(fd, start + i + 1);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}
