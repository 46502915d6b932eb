// Starting a TypeScript worker thread: Node 20 does not apply loader hooks to a worker's own entry
// file, so the worker first registers tsx itself (as certs/signer-pool.ts does).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startTsWorker(file: URL, opts: WorkerOptions = {}): Worker {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = require(pkgFile) as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  const entry = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(file.href)}); });`;
  const execArgv = process.execArgv.filter((a, i, all) => !a.includes('tsx') && !((a === '--import' || a === '--require') && (all[i + 1] ?? '').includes('tsx')));
  return new Worker(entry, { ...opts, eval: true, execArgv });
}
