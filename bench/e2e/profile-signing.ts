// What a signing thread spends its time on: signSystem with the self-check, as the pool's worker
// runs it, in a loop on this thread, profiled (V8 sampling profiler, the loop only: key generation
// and module loading are left out). Prints the rate, CPU per document and the top self-time functions.
//   npx tsx bench/e2e/profile-signing.ts     (BENCH_SELF_CHECK=0: no self-check; BENCH_BITS=4096;
//   BENCH_PROFILE=FILE.cpuprofile keeps the profile for Chrome DevTools)
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { topSelfTime, type CpuProfile } from './profile-top.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initTestPki } from '../../certs/test-pki.ts';
import { loadCredential } from '../../certs/credential.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { verifyDocumentSignatures } from '../../certs/verify.ts';
import { checkOwnSignature } from '../../certs/self-check.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';

const ORG = '1.2.246.10.12345678.10.0';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const bits = Number(process.env.BENCH_BITS ?? 2048) as 2048 | 4096;
const selfCheck = process.env.BENCH_SELF_CHECK !== '0';
const dir = mkdtempSync(path.join(tmpdir(), 'kgw-profile-sign-'));
try {
  const pki = await initTestPki(dir, { bits, organisations: [{ oid: ORG, name: 'Profile' }], accessPoints: [] });
  const cred = loadCredential(pki.signing[ORG]!, {});
  const docs = Array.from({ length: 64 }, (_, k) =>
    makeSampleCda({ documentId: `${ORG}.95.${k + 1}`, custodian: ORG, serviceUnit: `${ORG}.1`, hetu: makeHetu(15, 6, 1985, 950), note: 'x'.repeat(1200) }),
  );
  // BENCH_SELF_CHECK=full: the full verifier as the self-check (what the signing thread ran before).
  const check =
    process.env.BENCH_SELF_CHECK === 'full'
      ? (xml: string, id: string) => verifyDocumentSignatures(xml, { onlySignatureId: id })
      : (xml: string, id: string) => checkOwnSignature(xml, id, cred.certificate);
  for (let k = 0; k < 50; k++) signSystem(docs[k % docs.length]!, cred, selfCheck ? { selfCheck: check } : {});
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let n = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    signSystem(docs[n % docs.length]!, cred, selfCheck ? { selfCheck: check } : {});
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = (performance.now() - start) / 1000;
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  if (process.env.BENCH_PROFILE) writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
  console.log(`RSA-${bits}, self-check ${selfCheck ? 'on' : 'off'}, ${docs[0]!.length} byte CDA: ${(n / secs).toFixed(0)} sig/s, ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU per document`);
  console.log(topSelfTime(profile, Number(process.env.BENCH_TOP ?? 25)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
