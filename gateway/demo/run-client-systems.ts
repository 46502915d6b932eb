// The demo's other two kinds of client system beside today's REST tenants (issue 12): the region's
// certified client system, simulated with the `soap` package's client generated from the gateway's WSDL
// (archive and a new version as Kanta-native messages over mutual TLS, answered in Kanta's format), and
// a JSON-only system (Perhepalvelu's, which writes no CDA). Both end in the same summary table.
import { randomUUID } from 'node:crypto';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { CLIENT_PLAN_EXAMPLE, type JsonDocumentSubmissionInput } from '../../adapters/intake/json-document-schema.ts';
import { statusOf } from '../client/gateway-client.ts';
import { SoapPackageMissing, certifiedClient, type CertifiedFrameInput, type CertifiedOperation } from './certified-client.ts';
import { DEMO, type DemoEnvironment } from './demo-environment.ts';
import { newDocumentId } from './document-ids.ts';
import { FINAL_STATES, type SubmissionResult } from './run-samples.ts';

let sequence = 0;

async function follow(gatewayUrl: string, token: string, r: SubmissionResult, timeoutMs: number): Promise<SubmissionResult> {
  const end = Date.now() + timeoutMs;
  while (r.documentId) {
    const st = await statusOf(gatewayUrl, token, r.documentId);
    r.status = String(st.status ?? r.status);
    const routing = st.routing as { ruleId?: string } | undefined;
    if (typeof st.controller === 'string') r.controller = st.controller;
    if (routing?.ruleId) r.ruleId = routing.ruleId;
    r.attempts = Number(st.attempts ?? 0);
    if (typeof st.code === 'string' && st.code) r.code = st.code;
    if (FINAL_STATES.has(r.status) || Date.now() > end) {
      if (FINAL_STATES.has(r.status)) r.millis = Date.parse(String(st.updatedAt)) - Date.parse(String(st.acceptedAt));
      break;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return r;
}

/** The certified system's archive and version, then the JSON system's document; each followed to a final state. */
export async function runClientSystems(gw: { url: string; kantaNativeUrl?: string }, env: Pick<DemoEnvironment, 'pki' | 'tokens'>, timeoutMs = 60_000, notes: string[] = []): Promise<SubmissionResult[]> {
  const results: SubmissionResult[] = [];
  const files = env.pki.tlsClients[DEMO.certifiedSystem.id];
  const client = gw.kantaNativeUrl && files
    ? await certifiedClient(gw.kantaNativeUrl, { certFile: files.certFile, keyFile: files.keyFile, caFile: env.pki.ca.certFile }).catch((err: unknown) => {
        if (!(err instanceof SoapPackageMissing)) throw err;
        notes.push(`Kanta-native rows left out: ${err.message}`);
        return undefined;
      })
    : undefined;
  if (client) {
    const hetu = makeHetu(21, 6, 2017, 905);
    const v1 = newDocumentId(DEMO.region.oid);
    const v2 = newDocumentId(DEMO.region.oid);
    const base = { custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, serviceUnitName: DEMO.region.unitName, hetu, functionCode: DEMO.serviceTask };
    const steps: Array<{ label: string; operation: CertifiedOperation; id: string; cda: string; versionNumber: number; parent?: { id: string; setId: string; versionNumber: number } }> = [
      { label: 'region certified system: service note (Kanta-native SOAP)', operation: 'archive', id: v1, versionNumber: 1, cda: makeSampleCda({ ...base, documentId: v1, note: 'Palvelutarpeen arvio' }) },
      { label: 'region certified system: its version 2 (Kanta-native SOAP)', operation: 'version', id: v2, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 }, cda: makeSampleCda({ ...base, documentId: v2, setId: v1, versionNumber: 2, parent: { id: v1, setId: v1, versionNumber: 1 }, note: 'Palvelutarpeen arvio, täydennetty' }) },
    ];
    for (const s of steps) {
      const frame: CertifiedFrameInput = {
        operation: s.operation,
        messageId: { root: DEMO.certifiedSystem.deviceId, extension: `${Date.now()}${(sequence += 1)}` },
        senderId: DEMO.certifiedSystem.deviceId,
        receiverId: DEMO.certifiedSystem.kantaReceiverId,
        serviceRequest: s.operation === 'archive' ? 'SP17' : 'SP18',
        usageSituation: '1',
        actor: { id: { root: '1.2.246.537.26', extension: '10012345' }, family: 'Sosiaalityöntekijä', given: 'Demo', unit: DEMO.region.unit, unitName: DEMO.region.unitName },
        author: { id: { root: '1.2.246.537.26', extension: '10012345' }, family: 'Sosiaalityöntekijä', given: 'Demo' },
        patient: { hetu, family: 'Testilapsi', given: 'Demo', genderCode: '2', birthTime: '20170621' },
        document: { id: s.id, setId: v1, versionNumber: s.versionNumber, custodian: DEMO.region.oid, custodianName: DEMO.region.name, ...(s.parent ? { parent: s.parent } : {}) },
        cda: Buffer.from(s.cda, 'utf8'),
      };
      const answer = await client.send(s.operation, frame);
      const detail = answer.details.find((d) => d.typeCode !== 'I')?.code;
      const r: SubmissionResult = { label: s.label, tenant: 'region', form: 'Kanta-native SOAP', documentId: s.id, httpStatus: 200, status: answer.typeCode === 'AA' ? 'archived' : `ack ${answer.typeCode}`, ...(detail ? { code: detail } : {}) };
      // The document is the gateway's from intake on: its status is the same whatever form it came in.
      results.push(answer.typeCode === 'AA' || detail === 'TEMPORARY_ERROR' ? await follow(gw.url, env.tokens.region, r, timeoutMs) : { ...r, status: 'refused' });
    }
  }
  const submission = structuredClone({ ...CLIENT_PLAN_EXAMPLE, submissionKey: `demo-${randomUUID()}`, organizer: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, serviceTask: { code: '21' }, client: { hetu: makeHetu(2, 11, 1984, 906), name: { given: ['Demo'], family: 'Aikuinen' } } }) as JsonDocumentSubmissionInput & { guardianConsent?: unknown };
  delete submission.guardianConsent;
  const res = await fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.perhe}`, 'content-type': 'application/json' }, body: JSON.stringify(submission) });
  const body = (await res.json()) as { documentId?: string; status?: string; error?: { code?: string } };
  const r: SubmissionResult = { label: 'perhe JSON-only system: client plan built from JSON', tenant: 'perhe', form: 'JSON', httpStatus: res.status, status: body.error ? 'refused' : String(body.status), ...(body.documentId ? { documentId: body.documentId } : {}), ...(body.error?.code ? { code: body.error.code } : {}) };
  results.push(body.documentId ? await follow(gw.url, env.tokens.perhe, r, timeoutMs) : r);
  return results;
}
