// The metric names a gateway process exposes (as PromQL sees them: histograms with their _bucket,
// _sum and _count series), and the metric names a PromQL expression refers to.
import { createMetrics } from '../../gateway/metrics.ts';

export async function exposedMetricNames(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${m.name}${s}`);
  }
  return out;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** Names in an expression that look like metrics (kgw_*, process_*, nodejs_*), functions and keywords left out. */
export function metricsIn(expr: string): string[] {
  const noLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/"[^"]*"/g, '');
  return [...new Set([...noLabels.matchAll(/\b((?:kgw|process|nodejs)_[a-zA-Z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!))].filter((n) => !PROMQL_WORDS.has(n));
}
