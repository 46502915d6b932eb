// Fuzzing intake (issue 16): 10 000 seeded mutations of valid documents through the intake stages
// in-process (format → header rules → incoming signatures, verified for real → test-person guard →
// rights of an asiakkuusasiakirja), then a few hundred over HTTP against a running gateway. Every
// refusal must be a coded client error — never a 5xx, never an uncoded throw, never a crash.
import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { issueCertificate } from '../../certs/test-pki.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import type { Tenant } from '../../config/schema.ts';
import { ERROR_CATALOGUE, errorCodeOf } from '../../domain/errors.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { INTAKE_FORMATS } from '../../gateway/intake/formats.ts';
import { checkIncomingSignatures, type IncomingSignaturePolicy } from '../../gateway/intake/incoming-signatures.ts';
import { checkHeader, guardTestPersons, rightsGranted } from '../../gateway/intake/run-intake.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { mutate, prng } from './mutations.ts';

const IN_PROCESS = 10_000;
const OVER_HTTP = 300;
const ORG = DEMO.perhe.oid;
const TENANT = { id: 'perhe', accessPoint: 'ap', actsFor: [{ organisation: ORG, joining: { model: 'direct' } }], verifyIncomingSignatures: true } as unknown as Tenant;

function seeds(signer: { privateKey: ReturnType<typeof createPrivateKey>; certificatePem: string }): Buffer[] {
  const hetu = makeHetu(1, 2, 1990, 903);
  const base = { custodian: ORG, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' };
  const plain = makeSampleCda({ ...base, documentId: newDocumentId(ORG) });
  const version = makeSampleCda({ ...base, documentId: newDocumentId(ORG), versionNumber: 2, parent: { id: `${ORG}.1`, setId: `${ORG}.1`, versionNumber: 1 } });
  const grant = makeSampleCda({ ...base, documentId: newDocumentId(ORG), documentGroup: '1', rights: { '21': [{ unit: DEMO.perhe.unit, start: '2026-01-01' }] } });
  const signed = signSystem(makeSampleCda({ ...base, documentId: newDocumentId(ORG) }), signer).signedXml;
  // Index 3 is the signed seed (see the loop below).
  return [plain, version, grant, signed].map((x) => Buffer.from(x, 'utf8'));
}

describe('intake fuzz (issue 16)', function () {
  this.timeout(120_000);
  let corpus: Buffer[];
  let policy: IncomingSignaturePolicy;

  before(() => {
    const ca = issueCertificate({ subject: [{ type: '2.5.4.3', value: 'Fuzz CA' }], ca: true, notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), keyUsage: { keyCertSign: true, cRLSign: true } });
    const leaf = issueCertificate({ subject: [{ type: '2.5.4.6', value: 'FI' }, { type: '2.5.4.5', value: ORG }, { type: '2.5.4.3', value: 'Fuzz' }], issuer: ca, notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), keyUsage: { digitalSignature: true, nonRepudiation: true } });
    corpus = seeds({ privateKey: createPrivateKey(leaf.keyPem), certificatePem: leaf.certPem });
    policy = { verifier: async (xml, o) => verifyDocumentSignatures(xml, o), rule: () => 'custodian', trustedCaPems: () => [ca.certPem] };
  });

  it(`refuses ${IN_PROCESS} mutated documents in-process with coded client errors only`, async () => {
    const format = INTAKE_FORMATS.find((f) => f.name === 'cda-xml')!;
    const accessPoint = () => ({ id: 'ap', processingCode: 'T' as const });
    const codes = new Map<string, number>();
    const failures: string[] = [];
    for (let i = 0; i < IN_PROCESS; i++) {
      const seed = 0x16_0000 + i;
      // Signed seeds cost a real verification each: one in ten keeps the test short.
      const source = i % 10 === 9 ? corpus[3]! : corpus[i % 3]!;
      const body = mutate(source, prng(seed));
      let outcome = 'ok';
      try {
        const parsed = await format.read({ body, tenant: TENANT });
        checkHeader(parsed);
        await checkIncomingSignatures(parsed, TENANT, policy);
        guardTestPersons(parsed, TENANT, { accessPoint });
        rightsGranted(parsed);
      } catch (err) {
        const code = errorCodeOf(err);
        outcome = code ?? 'UNCODED';
        if (!code || ERROR_CATALOGUE[code].status >= 500) failures.push(`seed ${seed}: ${code ?? String((err as Error)?.stack ?? err).slice(0, 300)}`);
      }
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
    }
    expect(failures.slice(0, 10), failures.slice(0, 10).join('\n')).to.deep.equal([]);
    // The mutations must reach deep enough to exercise more than the parser.
    expect([...codes.keys()].length, JSON.stringify(Object.fromEntries(codes))).to.be.at.least(8);
  });

  describe('over HTTP', () => {
    let env: DemoEnvironment;
    let gw: RunningGateway;
    before(async () => {
      env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-fuzz-')) });
      // No workers: accepted documents stay queued, the test is about what intake answers.
      gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret' }, runWorkers: false });
    });
    after(async () => {
      await gw?.close();
      await env?.stop();
    });

    it(`answers ${OVER_HTTP} mutated submissions with no 5xx and a code on every refusal`, async () => {
      const hetu = makeHetu(1, 2, 1990, 903);
      const statuses = new Map<number, number>();
      const bad: string[] = [];
      for (let i = 0; i < OVER_HTTP; i++) {
        const seed = 0x16_8000 + i;
        const valid = Buffer.from(makeSampleCda({ documentId: newDocumentId(ORG), custodian: ORG, serviceUnit: DEMO.perhe.unit, hetu, functionCode: '21' }));
        const body = mutate(valid, prng(seed));
        const res = await fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${env.tokens.perhe}`, 'content-type': 'application/xml' }, body: new Uint8Array(body) });
        const json = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 || (res.status >= 400 && !json.error?.code)) bad.push(`seed ${seed}: ${res.status} ${json.error?.code ?? '(no code)'}`);
      }
      expect(bad, bad.join('\n')).to.deep.equal([]);
      expect((await fetch(`${gw.url}/healthz`)).status).to.equal(200);
      expect(statuses.size, JSON.stringify(Object.fromEntries(statuses))).to.be.at.least(2);
    });
  });
});
