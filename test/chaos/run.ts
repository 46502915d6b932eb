// npm run chaos [-- --short] [--only "gateway kill -9;redis SIGKILL (everysec)"] [--maintenance-seconds N]
// Runs every scenario against real processes, prints the table and writes it as JSON under
// var/chaos/; exits 1 when any verdict fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, SHORT, runChaos } from './scenarios.ts';
import { chaosTable } from './verdict.ts';

const { values } = parseArgs({ options: { short: { type: 'boolean' }, only: { type: 'string' }, 'maintenance-seconds': { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('usage: npm run chaos [-- --short] [--only NAME[;NAME]] [--maintenance-seconds N]');
  process.exit(0);
}
const size = { ...(values.short ? SHORT : FULL) };
if (values['maintenance-seconds']) size.maintenanceSeconds = Number(values['maintenance-seconds']);
// Scenario names contain commas: --only takes them separated by ';'.
const only = values.only ? new Set(values.only.split(';').map((s) => s.trim())) : undefined;
const started = Date.now();
const rows = await runChaos(size, only, (l) => console.log(l));
console.log(`\nchaos (${values.short ? 'short' : 'full'}), ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
console.log(chaosTable(rows));
for (const r of rows) for (const n of r.notes) console.log(`  ${r.scenario}: ${n}`);
const dir = path.join(import.meta.dirname, '../../var/chaos');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ size, rows }, null, 2));
console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
process.exit(rows.every((r) => r.pass) ? 0 : 1);
