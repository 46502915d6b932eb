// Starting a worker thread on one of our TypeScript modules: under tsx (development, tests, the
// benchmarks) the thread must register tsx before it imports the module; from compiled JavaScript it
// loads the module directly. Used by the signer pool and the intake's CDA reader pool.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Node 20 does not apply loader hooks to a worker's own entry file, so a TypeScript entry is started
// through a tiny bootstrap that registers tsx inside the worker first.
function workerEntry(threadUrl: URL): { entry: URL | string; eval: boolean } {
  if (!threadUrl.pathname.endsWith('.ts')) return { entry: threadUrl, eval: false };
  // The ESM entry of tsx's API, located through its package.json exports (import.meta.resolve is not
  // available when tsx runs this file as CommonJS, e.g. under mocha).
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = require(pkgFile) as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(path.join(path.dirname(pkgFile), (pkg.exports['./esm/api'] as { import: { default: string } }).import.default)).href;
  return {
    entry: `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(threadUrl.href)}); });`,
    eval: true,
  };
}

/** The parent's Node flags minus its own tsx preloads (the bootstrap registers tsx once in the worker). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.includes('tsx')) continue;
    if ((a === '--import' || a === '--require' || a === '--loader') && (args[i + 1] ?? '').includes('tsx')) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** A worker thread running `threadUrl` (a .ts module under tsx, its .js sibling when compiled). */
export function startModuleWorker(threadUrl: URL, opts: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const { entry, eval: isEval } = workerEntry(threadUrl);
  return new Worker(entry, { ...opts, eval: isEval, execArgv: workerExecArgv() });
}
