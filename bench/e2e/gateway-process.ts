// `kanta-gateway serve` as a child process for the e2e benchmark, optionally under the V8 CPU profiler
// (node --cpu-prof is not allowed in NODE_OPTIONS, so it goes on the command line; the signer pool's
// threads inherit it and write their own profiles when the gateway exits).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/kanta-gateway.js', import.meta.url));
/** SIGUSR2 → a full GC in the gateway (for the heap-per-queued-document figure). */
const GC_HOOK = new URL('./gc-on-signal.mjs', import.meta.url).href;

export interface GatewayChild {
  child: ChildProcess;
  url: string;
  /** Heap in use right after a full GC in the gateway (bench/e2e/gc-on-signal.mjs). */
  heapAfterGc(): Promise<number>;
  kill(): Promise<void>;
}

export async function spawnGateway(configFile: string, port: number, opts: { profileDir?: string } = {}): Promise<GatewayChild> {
  const args = [...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []), '--import', GC_HOOK, BIN, 'serve', '--config', configFile];
  const heapFile = path.join(path.dirname(configFile), `heap-${port}.txt`);
  const child = spawn(process.execPath, args, { env: { ...process.env, KGW_CLIENT_KEY_SECRET: 'bench-secret', KGW_LOG_LEVEL: 'error', KGW_BENCH_HEAP_FILE: heapFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-10_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited early:\n${out}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > end) throw new Error(`the gateway was not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    heapAfterGc: async () => {
      const asked = Date.now();
      child.kill('SIGUSR2');
      for (const end = asked + 5_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        const [bytes, at] = (await readFile(heapFile, 'utf8').catch(() => '')).split(' ').map(Number);
        if (at !== undefined && at >= asked) return bytes!;
      }
      throw new Error('the gateway did not report its heap after SIGUSR2');
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
