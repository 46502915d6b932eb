// What a backfill submits, one document at a time: the CDA files of a directory tree (.xml; .json files
// are JSON submissions), in sorted order, or the lines of an NDJSON file (each a JSON submission, or
// {"file": "doc.xml"} naming a CDA file relative to the NDJSON file). Nothing is read ahead: a
// directory's names are listed (names only, one directory at a time) and each document's bytes are read
// just before it is sent, so a source of millions of documents never sits in memory.
//
// Each item has a stable key for the state journal: the path relative to the directory, or the line
// number in the NDJSON file. A JSON submission without a submissionKey gets one derived from its
// tenant and text, so sending it again after an interruption mints the same document id and the
// gateway answers from the first submission instead of creating a second document (docs/json-intake.md).
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GatewayError } from '../../domain/errors.ts';

export interface BackfillBody {
  body: Buffer;
  contentType: 'application/xml' | 'application/json';
  /** Kanta-Operation, when the NDJSON line names one. */
  operation?: string;
}

export interface BackfillItem {
  /** Stable across runs over the same source: the journal's key. */
  key: string;
  /** For people: the file (and line) in reports. */
  name: string;
  /** Reads the document; throws BACKFILL_INPUT_INVALID when it cannot be read or is not a submission. */
  load(): Promise<BackfillBody>;
}

export interface BackfillSource {
  /** Absolute path of the directory or NDJSON file. */
  location: string;
  kind: 'directory' | 'ndjson';
  /** How many items `items()` yields (one streaming pass over names or lines). */
  count(): Promise<number>;
  items(): AsyncGenerator<BackfillItem>;
}

const DOCUMENT_FILE = /\.(xml|json)$/i;

export function openSource(location: string, tenant: string): BackfillSource {
  const abs = path.resolve(location);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (err) {
    throw new GatewayError('BACKFILL_INPUT_INVALID', `Cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return isDir ? directorySource(abs, tenant) : ndjsonSource(abs, tenant);
}

// --- directory

/** Byte order, not locale order: the same sequence on every machine, so progress and reports compare. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function* documentPaths(root: string, rel = ''): AsyncGenerator<string> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => byName(a.name, b.name));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* documentPaths(root, r);
    else if (e.isFile() && DOCUMENT_FILE.test(e.name)) yield r;
  }
}

function directorySource(root: string, tenant: string): BackfillSource {
  return {
    location: root,
    kind: 'directory',
    async count() {
      let n = 0;
      for await (const _ of documentPaths(root)) n += 1;
      return n;
    },
    async *items() {
      for await (const rel of documentPaths(root)) {
        const file = path.join(root, rel);
        yield { key: rel, name: rel, load: () => loadFile(file, tenant) };
      }
    },
  };
}

async function loadFile(file: string, tenant: string, operation?: string): Promise<BackfillBody> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (err) {
    throw new GatewayError('BACKFILL_INPUT_INVALID', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (/\.json$/i.test(file)) return jsonSubmission(body.toString('utf8'), tenant, path.basename(file));
  return { body, contentType: 'application/xml', ...(operation ? { operation } : {}) };
}

// --- NDJSON

async function* lines(file: string): AsyncGenerator<{ n: number; text: string }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n += 1;
    if (text.trim() !== '') yield { n, text };
  }
}

function ndjsonSource(file: string, tenant: string): BackfillSource {
  const base = path.basename(file);
  const dir = path.dirname(file);
  return {
    location: file,
    kind: 'ndjson',
    async count() {
      let n = 0;
      for await (const _ of lines(file)) n += 1;
      return n;
    },
    async *items() {
      for await (const { n, text } of lines(file)) {
        const ref = fileReference(text);
        if (ref) {
          const target = path.resolve(dir, ref.file);
          yield { key: `line:${n}`, name: `${base}:${n} (${ref.file})`, load: () => loadFile(target, tenant, ref.operation) };
        } else {
          yield { key: `line:${n}`, name: `${base}:${n}`, load: async () => jsonSubmission(text, tenant, `${base}:${n}`) };
        }
      }
    },
  };
}

/** {"file": "…", "operation"?: "…"} and nothing else: a reference to a CDA file. */
function fileReference(text: string): { file: string; operation?: string } | undefined {
  if (!/"file"\s*:/.test(text)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (typeof o.file !== 'string' || !keys.every((k) => k === 'file' || k === 'operation')) return undefined;
  if (o.operation !== undefined && typeof o.operation !== 'string') return undefined;
  return { file: o.file, ...(typeof o.operation === 'string' ? { operation: o.operation } : {}) };
}

/** A JSON submission, given a derived submissionKey when it has none (see the header). */
export function jsonSubmission(text: string, tenant: string, where: string): BackfillBody {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new GatewayError('BACKFILL_INPUT_INVALID', `${where} is not JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GatewayError('BACKFILL_INPUT_INVALID', `${where} is not a JSON object`);
  const o = v as Record<string, unknown>;
  if (o.submissionKey === undefined) o.submissionKey = `backfill-${createHash('sha256').update(`${tenant}\n${text.trim()}`).digest('hex').slice(0, 40)}`;
  return { body: Buffer.from(JSON.stringify(o)), contentType: 'application/json' };
}
