// Preloaded into the benchmarked gateway (node --import this): SIGUSR2 runs a full garbage collection and
// writes the heap in use (without compiled code) right after it to KGW_BENCH_HEAP_FILE, so the figure counts what the process
// still holds — not garbage not yet collected (intake parses a 5 kB document into a DOM many times its
// size), nor what the next event-loop turns allocate before a /metrics scrape could read it.
// --expose-gc on the command line would be inherited by the signer pool's worker threads, which refuse
// it; the flag is set here instead.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.KGW_BENCH_HEAP_FILE) {
  const file = process.env.KGW_BENCH_HEAP_FILE;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  // KGW_BENCH_HEAP_SNAPSHOTS=DIR: also a heap snapshot at each reading (to diff what a backlog holds).
  const snapshots = process.env.KGW_BENCH_HEAP_SNAPSHOTS;
  let n = 0;
  process.on('SIGUSR2', () => {
    gc();
    // Code spaces left out: a heap-snapshot diff of a 240-document backlog showed the growth to be
    // almost all JIT-compiled code (code, deopt data, relocation info) — functions optimised while the
    // backlog ran — and nothing held per document.
    const used = v8.getHeapSpaceStatistics().filter((sp) => !sp.space_name.startsWith('code')).reduce((a, sp) => a + sp.space_used_size, 0);
    if (snapshots) v8.writeHeapSnapshot(`${snapshots}/heap-${process.pid}-${++n}.heapsnapshot`);
    writeFileSync(file, `${used} ${Date.now()}`);
  });
}
