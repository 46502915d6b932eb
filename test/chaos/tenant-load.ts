// A tenant system as the chaos scenarios need it: submits documents with bounded concurrency and keeps
// resubmitting each until it gets a 2xx (connection errors, 502/503 and timeouts are what a crash or a
// Redis restart looks like from outside), then follows every accepted document to the end; one whose
// record is gone (404: Redis lost its last second of writes) is resubmitted, as a real system would.
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';

export interface LoadDocument {
  documentId: string;
  xml: string;
}

export interface SubmissionOutcome {
  /** HTTP status of the first 2xx (or the last refusal). */
  status: number;
  attempts: number;
}

const TIMEOUT_MS = 10_000;

export function ownDocuments(n: number): LoadDocument[] {
  // Synthetic clients, individual numbers 900–999 only.
  return Array.from({ length: n }, (_, i) => {
    const documentId = newDocumentId(DEMO.perhe.oid);
    return { documentId, xml: makeSampleCda({ documentId, custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(1 + (i % 28), 1 + (i % 12), 1990, 900 + (i % 100)), functionCode: '21' }) };
  });
}

async function post(url: string, token: string, xml: string): Promise<number> {
  try {
    const res = await fetch(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body: xml, signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

const TRANSIENT = new Set([0, 500, 502, 503, 504]);

/** Submits every document, each until it is answered with something other than a transient failure. */
export async function submitUntilAnswered(urls: () => string[], token: string, docs: LoadDocument[], opts: { concurrency: number; deadline: number }): Promise<Map<string, SubmissionOutcome>> {
  const out = new Map<string, SubmissionOutcome>();
  let next = 0;
  let turn = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < docs.length) {
        const doc = docs[next++]!;
        let attempts = 0;
        for (;;) {
          attempts += 1;
          const targets = urls();
          const status = await post(targets[turn++ % targets.length]!, token, doc.xml);
          if (!TRANSIENT.has(status) || Date.now() > opts.deadline) {
            out.set(doc.documentId, { status, attempts });
            break;
          }
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
      }
    }),
  );
  return out;
}

export async function statusOf(url: string, token: string, documentId: string): Promise<{ http: number; status?: string; code?: string }> {
  try {
    const res = await fetch(`${url}/v1/documents/${encodeURIComponent(documentId)}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await res.json().catch(() => ({}))) as { status?: string; code?: string };
    return { http: res.status, ...(body.status ? { status: body.status } : {}), ...(body.code ? { code: body.code } : {}) };
  } catch {
    return { http: 0 };
  }
}
