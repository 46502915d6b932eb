// Guards the "one write path" rule of the lifecycle: a document's record, history and event stream
// are written only by the store's apply() (queues/document-store.ts), through the transition scripts in
// queues/commands/. A source scan, robust to how a write is spelled: the key names exist in one module,
// only the store (and the read-only event reader) may build them, the store itself issues no direct
// write, and only the store runs the transition scripts. The checker is first shown to catch writes
// planted elsewhere, so it cannot pass by seeing nothing. (test/queues/lifecycle.redis.test.ts watches
// a real pipeline run with MONITOR for the same rule at run time.)
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['queues', 'gateway', 'adapters', 'certs', 'config', 'bin', 'bench', 'domain', 'scripts'];

interface SourceFile {
  path: string;
  text: string;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
}

function repoSources(): SourceFile[] {
  const files: string[] = [];
  for (const d of SOURCE_DIRS) {
    try {
      walk(path.join(ROOT, d), files);
    } catch {
      // a directory this checkout does not have
    }
  }
  return files.filter((f) => /\.(ts|js|mjs|cjs|lua)$/.test(f)).map((f) => ({ path: path.relative(ROOT, f), text: readFileSync(f, 'utf8') }));
}

/** Code without comments (line, block and Lua comments), so a comment naming a key is no violation. */
function code(f: SourceFile): string {
  if (f.path.endsWith('.lua')) return f.text.replace(/--[^\n]*/g, '');
  return f.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

const STORE = 'queues/document-store.ts';
const EVENT_READER = 'queues/lifecycle-events.ts';
const KEYS_MODULE = 'queues/redis-keys.ts';

/** Violations of the one-write-path rule in a set of source files. */
function stateWriteViolations(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const c = code(f);
    // 1. The state keys are named in one module only.
    if (f.path !== KEYS_MODULE && !f.path.startsWith('queues/commands/') && /:(doc|hist|events):/.test(c)) out.push(`${f.path}: names a document state key (use queues/redis-keys.ts through the store)`);
    // 2. Only the store builds document keys; the event reader only the stream's.
    const built = [...c.matchAll(/\bkeys\.(doc|docPattern|hist|payload|signed|sub|docidx|open|openMember|events)\b/g)].map((m) => m[1]!);
    const foreign = built.filter((b) => !(f.path === STORE || (f.path === EVENT_READER && b === 'events')));
    if (foreign.length > 0) out.push(`${f.path}: builds document keys (${[...new Set(foreign)].join(', ')}) outside the store`);
    // 3. The store writes only through its transition scripts.
    if (f.path === STORE) {
      for (const m of c.matchAll(/\.(hset|hmset|hsetnx|hincrby|hincrbyfloat|hdel|rpush|lpush|lset|ltrim|set|setex|setnx|getset|del|unlink|expire|pexpire|persist|sadd|smove|xadd|xdel|xtrim|rename|restore|copy|multi|eval|evalsha)\s*\(/gi)) {
        out.push(`${f.path}: direct Redis write .${m[1]}( outside a transition script`);
      }
      for (const m of c.matchAll(/\.call\s*\(\s*(['"`])(\w+)\1/g)) if (m[2]!.toUpperCase() !== 'MEMORY') out.push(`${f.path}: direct Redis command ${m[2]} outside a transition script`);
    }
    // 4. Only the store runs the transition scripts (apply builds their arguments from the lifecycle table).
    if (f.path !== STORE && f.path !== 'queues/lifecycle-commands.ts' && /lifecycle-commands(\.ts)?['"]/.test(c)) out.push(`${f.path}: runs lifecycle scripts itself instead of store.apply()`);
    // 5. Lua that writes a record or history lives with the transitions.
    if (f.path.endsWith('.lua') && !f.path.startsWith('queues/commands/')) out.push(`${f.path}: a Lua script outside queues/commands/`);
  }
  return out;
}

describe('lifecycle: one write path for document state (source scan)', () => {
  const sources = repoSources();

  it('scans the real sources (the store, the processor and the scripts are among them)', () => {
    const paths = sources.map((s) => s.path);
    for (const p of [STORE, 'queues/send-processor.ts', 'queues/recovery.ts', 'queues/commands/archive-8.lua', 'gateway/main.ts']) expect(paths).to.include(p);
  });

  it('catches state written anywhere but the store apply path', () => {
    const planted: SourceFile[] = [
      { path: 'queues/send-processor.ts', text: "await redis.hset(`${prefix}:doc:${tenant}:${documentId}`, 'status', 'archived');" },
      { path: 'gateway/routes/ops.ts', text: "await redis.rpush(prefix + ':hist:' + t + ':' + d, JSON.stringify(ev));" },
      { path: 'queues/recovery.ts', text: "await this.deps.redis.hset(keys.doc(t, d), 'status', 'accepted');" },
      { path: STORE, text: "const m = this.redis.multi().hset(this.keys.doc(t, d), 'status', 'parked');" },
      { path: STORE, text: "await this.redis.call('HSET', k, 'status', 'parked');" },
      { path: 'queues/flow-control.ts', text: "import { runLuaCommand } from './lifecycle-commands.ts';" },
      { path: EVENT_READER, text: 'const raw = await this.redis.hgetall(this.keys.doc(tenant, id));' },
      { path: 'gateway/audit/fix.lua', text: "redis.call('HSET', KEYS[1], 'status', 'archived')" },
    ];
    const found = stateWriteViolations(planted);
    expect(found).to.have.length(planted.length + 1); // the store's multi() is also an .hset(
    for (const p of planted) expect(found.some((v) => v.startsWith(p.path)), p.text).to.equal(true);
    // Comments naming the keys are no writes.
    expect(stateWriteViolations([{ path: 'queues/pipeline.ts', text: '// {p}:doc:{tenant}:{docId} is the record' }])).to.deep.equal([]);
  });

  it('finds no such write in the repository', () => {
    expect(stateWriteViolations(sources)).to.deep.equal([]);
  });
});
