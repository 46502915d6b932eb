// Which Redis commands each stage of a document's way issues (bench:e2e's breakdown; docs/performance.md).
// MONITOR on a small run: every command the gateway sends, top-level or from inside a Lua script. A script
// call is named from its SHA (BullMQ's scripts), as a lifecycle transition of the store (its keys and
// its ARGV[4], the transition kind: queues/commands/includes/guard.lua), or else by the keys it touches;
// the commands run inside it are counted under it, so "what a BullMQ add costs" is one row.
// MONITOR slows Redis down a lot: never use its run for timing.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

const require = createRequire(import.meta.url);

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

let known: Map<string, string> | undefined;
function scriptNames(): Map<string, string> {
  if (known) return known;
  known = new Map();
  const bull = require('bullmq/dist/cjs/scripts/index.js') as Record<string, { name: string; content: string }>;
  for (const s of Object.values(bull)) if (s && typeof s.content === 'string') known.set(sha1(s.content), `bullmq ${s.name}`);
  return known;
}

/** A key with the document-, tenant- and queue-specific parts replaced, so keys of one kind group together. */
export function keyClass(key: string, prefix: string): string {
  if (!key.startsWith(`${prefix}:`)) return key.replace(/[0-9.]{6,}/g, 'N');
  const rest = key.slice(prefix.length + 1);
  const bull = /^(intake|lane)\.[^:]+:?(.*)$/.exec(rest);
  if (bull) return `${bull[1]}.*:${bull[2]!.replace(/^[^:]*__[^:]*$/, 'JOB').replace(/^[^:]*__[^:]*:/, 'JOB:') || ''}`;
  return rest.split(':')[0]!;
}

export interface MonitorRow {
  /** A top-level command, or a script by name. */
  call: string;
  callsPerDoc: number;
  /** Commands run inside the script (0 for a plain command). */
  innerPerDoc: number;
  /** The inner commands, most frequent first, per document. */
  inner: Array<[string, number]>;
}

export interface MonitorResult {
  docs: number;
  totalPerDoc: number;
  topLevelPerDoc: number;
  rows: MonitorRow[];
}

/**
 * Runs `work` (which processes `docs` documents) under MONITOR and groups what Redis saw. `ownClient`
 * is the benchmark's own connection name prefix filter: commands from `skipAddrs` are left out.
 */
export async function monitorCommands(redis: Redis, prefix: string, docs: number, work: () => Promise<void>, skip: (args: string[]) => boolean): Promise<MonitorResult> {
  const names = scriptNames();
  const monitor = await redis.duplicate().monitor();
  const rows = new Map<string, { calls: number; inner: Map<string, number> }>();
  // Inner commands follow their script in MONITOR's order (Redis runs one script at a time).
  let current: { inner: Map<string, number> } | undefined;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const cmd = (args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      if (!current) return;
      const k = `${cmd} ${args[1] ? keyClass(args[1], prefix) : ''}`.trim();
      current.inner.set(k, (current.inner.get(k) ?? 0) + 1);
      return;
    }
    if (skip(args)) {
      current = undefined;
      return;
    }
    let name: string;
    if (cmd === 'evalsha' || cmd === 'eval') {
      const body = args[1] ?? '';
      const sha = cmd === 'eval' ? sha1(body) : body;
      const nKeys = Number(args[2] ?? 0);
      const keys = args.slice(3, 3 + nKeys).map((k) => keyClass(k, prefix));
      const argv = args.slice(3 + nKeys);
      const store = keys.slice(0, 4).join(' ') === 'doc hist open events';
      name = names.get(sha) ?? (store ? `store ${keys[4] === 'payload' && keys[5] === 'sub' ? 'accept' : argv[3]}` : `script ${sha.slice(0, 8)} [${keys.join(' ')}]`);
    } else if (cmd === 'exec' || cmd === 'multi') {
      name = cmd;
    } else {
      name = `${cmd} ${args[1] ? keyClass(args[1], prefix) : ''}`.trim();
    }
    let row = rows.get(name);
    if (!row) rows.set(name, (row = { calls: 0, inner: new Map() }));
    row.calls += 1;
    current = row;
  });
  try {
    await work();
    // Let the last replies arrive.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    monitor.disconnect();
  }
  const out: MonitorRow[] = [...rows].map(([call, r]) => {
    const innerTotal = [...r.inner.values()].reduce((a, n) => a + n, 0);
    return { call, callsPerDoc: r.calls / docs, innerPerDoc: innerTotal / docs, inner: [...r.inner].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n / docs] as [string, number]) };
  });
  out.sort((a, b) => b.callsPerDoc + b.innerPerDoc - (a.callsPerDoc + a.innerPerDoc));
  const topLevelPerDoc = out.reduce((a, r) => a + r.callsPerDoc, 0);
  return { docs, totalPerDoc: topLevelPerDoc + out.reduce((a, r) => a + r.innerPerDoc, 0), topLevelPerDoc, rows: out };
}

/** Redis bytes by key class (MEMORY USAGE … SAMPLES 0 of every key; SCAN, pipelined). */
export async function memoryByKeyClass(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const res = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const n = Number(res[i]?.[1] ?? 0);
      const c = keyClass(k, prefix);
      out.set(c, (out.get(c) ?? 0) + n);
    });
  } while (cursor !== '0');
  return out;
}

/** What grew between two memoryByKeyClass readings, per document, largest first. */
export function memoryGrowth(before: Map<string, number>, after: Map<string, number>, docs: number): Array<[string, number]> {
  const classes = new Set([...before.keys(), ...after.keys()]);
  return [...classes].map((c) => [c, ((after.get(c) ?? 0) - (before.get(c) ?? 0)) / docs] as [string, number]).filter(([, n]) => Math.abs(n) >= 1).sort((a, b) => b[1] - a[1]);
}
