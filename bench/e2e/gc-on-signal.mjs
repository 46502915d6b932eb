// Preloaded into the benchmarked gateway (node --import this): SIGUSR2 runs a full garbage collection,
// so the heap read after it counts what the process still holds, not garbage not yet collected (intake
// parses a 5 kB document into a DOM many times its size). --expose-gc on the command line would be
// inherited by the signer pool's worker threads, which refuse it; the flag is set here instead.
import { isMainThread } from 'node:worker_threads';
import v8 from 'node:v8';
import vm from 'node:vm';

if (isMainThread) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  process.on('SIGUSR2', () => gc());
}
