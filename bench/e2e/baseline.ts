// The e2e baseline, in its own process: what a bare loop costs for the gateway's work per document.
// Worker threads on all cores sign with xml-crypto in the Kanta shape (baseline-thread.ts); the main
// thread builds the archive frame (the gateway's own builder and SOAP wrapper, from the header read
// before the clock starts, as the gateway's record carries it) and POSTs it over keep-alive mutual TLS
// with the gateway's connection count and send concurrency, reading every answer.
// Started by bench/e2e.ts with a job file; prints one JSON line {ok, failed, seconds}.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Agent, request } from 'undici';
import { buildArchiveRequest } from '../../adapters/kanta/message-builder.ts';
import { wrapInSoapEnvelope, soapActionFor } from '../../adapters/kanta/soap-envelope.ts';
import { loadConfig } from '../../config/load.ts';
import type { DocumentMetadata } from '../../domain/document-header.ts';
import type { BaselineSignRequest } from './baseline-thread.ts';
import { startTsWorker } from './worker-entry.ts';

export interface BaselineJob {
  configFile: string;
  /** Signing identity id → key and certificate files. */
  keys: Record<string, { keyFile: string; certFile: string }>;
  docs: Array<Omit<BaselineSignRequest, 'n'> & { metadata: DocumentMetadata }>;
  /** Documents in flight (signing or sending) at once. */
  inFlight: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BaselineJob;
const { config } = loadConfig(job.configFile, { ...process.env });
const ap = config.kanta.accessPoints[0]!;
const tls = ap.tls!;
const client = tls.client as { certFile: string; keyFile: string };
const agent = new Agent({
  connections: ap.maxConnections,
  keepAliveTimeout: 60_000,
  connect: { ca: readFileSync(tls.caFile!), cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) },
});
const threads = os.availableParallelism();
const workers = await Promise.all(
  Array.from({ length: threads }, () => {
    const w = startTsWorker(new URL('./baseline-thread.ts', import.meta.url), { workerData: { keys: job.keys } });
    return new Promise<typeof w>((resolve, reject) => {
      w.once('message', () => resolve(w));
      w.once('error', reject);
    });
  }),
);
const waiting = new Map<number, (xml: string) => void>();
for (const w of workers) w.on('message', (m: { n: number; signedXml: string }) => waiting.get(m.n)?.(m.signedXml));
let rr = 0;
const sign = (n: number) =>
  new Promise<string>((resolve) => {
    waiting.set(n, resolve);
    const { metadata: _m, ...req } = job.docs[n]!;
    workers[rr++ % workers.length]!.postMessage({ ...req, n } satisfies BaselineSignRequest);
  });

let seq = 0;
async function one(n: number): Promise<boolean> {
  const signedXml = await sign(n);
  waiting.delete(n);
  const d = job.docs[n]!;
  const built = buildArchiveRequest(
    { metadata: d.metadata, signedCda: Buffer.from(signedXml), operation: 'archive', usage: 'ownUse' },
    ap,
    config.kanta.codes,
    { messageId: { root: ap.messageIdRoot ?? ap.senderId, extension: `${Date.now()}${String(seq++).padStart(6, '0')}` }, creationTime: new Date() },
  );
  const res = await request(ap.url, { method: 'POST', dispatcher: agent, body: wrapInSoapEnvelope(built.xml), headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: soapActionFor(built.interactionId) } });
  const text = await res.body.text();
  return res.statusCode === 200 && text.includes('typeCode="AA"') && text.includes(built.messageId.extension);
}

// Warm-up (JIT, TLS handshakes) on the first documents, then the timed run over all of them.
const warm = Math.min(job.docs.length, threads * 8);
await Promise.all(Array.from({ length: warm }, (_, k) => one(k)));
let next = 0;
let ok = 0;
let failed = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: job.inFlight }, async () => {
    while (next < job.docs.length) {
      const n = next++;
      if (await one(n)) ok++;
      else failed++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ok, failed, seconds, mainThreadCpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
await Promise.all(workers.map((w) => w.terminate()));
await agent.close();
