// The demo's closing table: one row per sample document with its registry, rule, final state and time.
import { DEMO_ORGS } from './demo-environment.ts';
import type { SubmissionResult } from './run-samples.ts';

export function summaryTable(results: SubmissionResult[]): string {
  const rows = results.map((r) => [r.tenant, r.form ?? 'CDA REST', r.label, r.controller ? orgName(r.controller) : '-', r.ruleId ?? '-', r.status, r.code ?? '', r.attempts !== undefined ? String(r.attempts) : '-', r.millis !== undefined ? `${r.millis} ms` : '-']);
  const head = ['tenant', 'form', 'document', 'controller (registry)', 'rule', 'status', 'code', 'sends', 'accepted→final'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function orgName(oid: string): string {
  return DEMO_ORGS.find((o) => o.oid === oid)?.name ?? oid;
}
