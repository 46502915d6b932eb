// Submits the sample documents through the gateway's API and follows every accepted one to a final
// state: the demo prints the outcome, the end-to-end test asserts it.
import { statusOf, submit } from '../client/gateway-client.ts';
import type { DemoTokens } from './demo-environment.ts';
import { sampleSubmissions } from './sample-submissions.ts';

export interface SubmissionResult {
  label: string;
  tenant: string;
  documentId?: string;
  httpStatus: number;
  status: string;
  controller?: string;
  ruleId?: string;
  code?: string;
  attempts?: number;
  millis?: number;
  /** How the document came in (issue 12): CDA REST (default), Kanta-native SOAP or JSON. */
  form?: string;
}

/** States a document does not leave by itself. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['archived', 'parked', 'rejected']);

/** Submits the samples in order and follows every accepted one to a final state. */
export async function runSamples(gw: { url: string }, env: { tokens: DemoTokens }, samples = sampleSubmissions(), timeoutMs = 60_000): Promise<SubmissionResult[]> {
  const started = Date.now();
  const results: SubmissionResult[] = [];
  for (const s of samples) {
    const r = await submit(gw.url, env.tokens[s.tenant], s.xml, s.operation);
    const err = r.body.error as { code?: string; ruleId?: string } | undefined;
    const routing = r.body.routing as { ruleId?: string } | undefined;
    results.push({
      label: s.label,
      tenant: s.tenant,
      httpStatus: r.status,
      status: err ? 'refused' : String(r.body.status),
      ...(typeof r.body.documentId === 'string' ? { documentId: r.body.documentId } : {}),
      ...(typeof r.body.controller === 'string' ? { controller: r.body.controller } : {}),
      ...(routing?.ruleId ? { ruleId: routing.ruleId } : err?.ruleId ? { ruleId: err.ruleId } : {}),
      ...(err?.code ? { code: err.code } : {}),
    });
  }
  while (Date.now() - started < timeoutMs) {
    const open = results.filter((r) => r.documentId && !FINAL_STATES.has(r.status));
    if (open.length === 0) break;
    for (const r of open) {
      const st = await statusOf(gw.url, env.tokens[r.tenant as keyof DemoTokens], r.documentId!);
      r.status = String(st.status);
      r.attempts = Number(st.attempts ?? 0);
      if (typeof st.code === 'string' && st.code) r.code = st.code;
      if (FINAL_STATES.has(r.status)) r.millis = Date.parse(String(st.updatedAt)) - Date.parse(String(st.acceptedAt));
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return results;
}
