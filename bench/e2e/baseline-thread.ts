// One signing thread of the e2e baseline: xml-crypto used the plain way, in the Kanta shape (two ID
// references, enveloped-signature + exc-c14n, rsa-sha256/sha256, KeyInfo), KeyObject keys loaded once.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { SignedXml } from 'xml-crypto';
import { ALG } from '../../certs/kanta-signature.ts';

export interface BaselineSignRequest {
  n: number;
  key: string;
  /** The document with its empty hl7fi:signature element in place. */
  skeleton: string;
  signatureId: string;
  timestampId: string;
  bodyId: string;
}

const port = parentPort!;
const keys = new Map<string, { privateKey: KeyObject; certificatePem: string }>();
for (const [id, files] of Object.entries(workerData.keys as Record<string, { keyFile: string; certFile: string }>)) {
  keys.set(id, { privateKey: createPrivateKey(readFileSync(files.keyFile)), certificatePem: readFileSync(files.certFile, 'utf8') });
}
const transforms = [ALG.envelopedSignature, ALG.excC14n];
port.on('message', (r: BaselineSignRequest) => {
  const key = keys.get(r.key)!;
  const sig = new SignedXml({ privateKey: key.privateKey, publicCert: key.certificatePem, signatureAlgorithm: ALG.rsaSha256, canonicalizationAlgorithm: ALG.excC14n });
  sig.addReference({ xpath: `//*[@ID='${r.timestampId}']`, transforms, digestAlgorithm: ALG.sha256 });
  sig.addReference({ xpath: `//*[@ID='${r.bodyId}']`, transforms, digestAlgorithm: ALG.sha256 });
  sig.computeSignature(r.skeleton, { prefix: 'ds', location: { reference: `//*[@ID='${r.signatureId}']`, action: 'append' } });
  port.postMessage({ n: r.n, signedXml: sig.getSignedXml() });
});
port.postMessage({ ready: true });
