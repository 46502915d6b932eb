// `npx tsx bench/backfill.ts`: a backfill of BENCH_BACKFILL_N (default 10 000) CDA files into a real
// gateway (its own process, real Redis, the Kanta double), killed with SIGKILL at about 40 % and run
// again. Prints what each run did (answers, duration, rate, peak RSS of the backfill process), what the
// rerun skipped and sent again, and — once the archive has everything — whether each document was
// archived exactly once. Not part of npm test: it takes minutes.
//   BENCH_BACKFILL_N=10000 BENCH_BACKFILL_RATE=1000 BENCH_BACKFILL_CONCURRENCY=16 BENCH_BACKFILL_WAIT_ARCHIVE=1
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BackfillReport } from '../gateway/backfill/backfill-report.ts';
import { ownDoc, startWorld, stopWorld, waitUntil } from '../test/helpers/process-world.ts';

const BIN = new URL('../bin/kanta-gateway.js', import.meta.url).pathname;
const N = Number(process.env.BENCH_BACKFILL_N ?? 10_000);
const RATE = process.env.BENCH_BACKFILL_RATE ?? '1000';
const CONCURRENCY = process.env.BENCH_BACKFILL_CONCURRENCY ?? '16';
const WAIT_ARCHIVE = process.env.BENCH_BACKFILL_WAIT_ARCHIVE !== '0';

function answers(stateFile: string): number {
  if (!existsSync(stateFile)) return 0;
  return readFileSync(stateFile, 'utf8').split('\n').filter((l) => l.startsWith('{"k"')).length;
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

interface RunResult {
  exit: number | null;
  seconds: number;
  peakRssMb: number;
}

async function run(args: string[], env: NodeJS.ProcessEnv, killWhen?: () => boolean): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'backfill', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (b: Buffer) => (tail = (tail + b.toString()).slice(-2000)));
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKb(child.pid!));
    if (killWhen?.()) child.kill('SIGKILL');
  }, 100);
  const exit = await new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  clearInterval(timer);
  if (exit !== null && exit !== 0 && exit !== 1) throw new Error(`backfill exited ${exit}:\n${tail}`);
  return { exit, seconds: Number(((performance.now() - started) / 1000).toFixed(1)), peakRssMb: Number((peak / 1024).toFixed(1)) };
}

const w = await startWorld('bench-backfill');
try {
  const dir = path.join(w.dir, 'old-documents');
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const sub = path.join(dir, `batch-${String(Math.floor(i / 1000)).padStart(3, '0')}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    const d = ownDoc('perhe');
    ids.push(d.documentId);
    writeFileSync(path.join(sub, `doc-${String(i).padStart(6, '0')}.xml`), d.xml);
  }
  const state = path.join(w.dir, 'state.ndjson');
  const reportFile = path.join(w.dir, 'report.json');
  const args = [dir, '--tenant', 'perhe', '--url', w.gateway.url, '--rate', RATE, '--concurrency', CONCURRENCY, '--state', state, '--report', reportFile, '--progress-interval', '5'];
  const env = { KGW_TOKEN: w.cfg.tokens.perhe };
  const killAt = Math.floor(N * 0.4);

  const first = await run(args, env, () => answers(state) >= killAt);
  const answeredBeforeKill = answers(state);
  const second = await run(args, env);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
  const result: Record<string, unknown> = {
    documents: N,
    rateLimit: Number(RATE),
    concurrency: Number(CONCURRENCY),
    firstRun: { ...first, killedWith: 'SIGKILL', answersInState: answeredBeforeKill, docsPerSecond: Number((answeredBeforeKill / first.seconds).toFixed(1)) },
    secondRun: { ...second, ...report.thisRun, reportedRate: report.ratePerSecond },
    totals: report.totals,
    refusalsByCode: Object.fromEntries(Object.entries(report.refusalsByCode).map(([c, r]) => [c, r.count])),
  };
  if (WAIT_ARCHIVE) {
    const t0 = performance.now();
    await waitUntil(async () => (await w.double.inspect()).archived.length >= N, 3_600_000, 'all archived');
    const inspect = await w.double.inspect();
    const archived = inspect.archived.map((a) => a.documentId);
    const archivedSet = new Set(archived);
    result.archive = {
      archived: archived.length,
      distinct: archivedSet.size,
      allPresent: ids.every((id) => archivedSet.has(id)),
      duplicates: inspect.duplicates,
      secondsAfterBackfill: Number(((performance.now() - t0) / 1000).toFixed(1)),
    };
  }
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stopWorld(w);
}
