// Shared fixtures for the certs tests: synthetic CDA documents, the public Kanta sample and its
// compact form (samples/README.md), and an xmlsec1 cross-check run as a separate process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeSampleCda, type SampleDocumentOptions } from '../../adapters/cda/sample-document.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { compactSignedForm, sampleOrSkip } from '../helpers/shared-material.ts';

export const ORG1 = '1.2.246.10.12345678.10.0';
export const ORG2 = '1.2.246.10.87654321.10.0';

export function sampleDoc(n = 1, extra: Partial<SampleDocumentOptions> = {}): string {
  return makeSampleCda({
    documentId: `${ORG1.replace(/\.10\.0$/, '')}.95.2026.${n}`,
    custodian: ORG1,
    serviceUnit: `${ORG1}.1`,
    hetu: makeHetu(15, 6, 1985, 900 + (n % 100)),
    ...extra,
  });
}

/** The published sample asia_S.xml (test/helpers/shared-material.ts); skips the calling test without it. */
export function publishedSamplePath(test: Mocha.Context): string {
  return sampleOrSkip(test, 'asia_S.xml');
}

/** samples/README.md: whitespace before comments, then comments, then whitespace-only text between tags. */
export function compactSample(samplePath: string): string {
  return compactSignedForm(readFileSync(samplePath, 'utf8'));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `kgw-${prefix}-`));
}

export interface XmlsecOptions {
  trustedPem?: string;
  /** Verify with this certificate's key only (the README command for the DVV samples). */
  pubkeyCertPem?: string;
  /** Which signature: the hl7fi:signature/@ID around it; default the first ds:Signature. */
  signatureId?: string;
}

/** true when `xmlsec1 --verify` accepts the document. */
export function xmlsecVerifies(xml: string, o: XmlsecOptions): boolean {
  const dir = tempDir('xmlsec');
  const file = path.join(dir, 'doc.xml');
  writeFileSync(file, xml);
  const args = ['--verify', '--id-attr:ID', 'urn:hl7finland:signatureTimestamp', '--id-attr:ID', 'urn:hl7-org:v3:nonXMLBody', '--id-attr:ID', 'urn:hl7-org:v3:structuredBody', '--enabled-reference-uris', 'same-doc'];
  if (o.trustedPem) args.push('--trusted-pem', o.trustedPem);
  if (o.pubkeyCertPem) args.push('--insecure', '--pubkey-cert-pem', o.pubkeyCertPem);
  if (o.signatureId) args.push('--node-xpath', `//*[local-name()='signature' and @ID='${o.signatureId}']/*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#']`);
  args.push(file);
  try {
    execFileSync('xmlsec1', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return true;
  } catch {
    return false;
  }
}

/** The X509Certificate of the n-th (1-based) ds:Signature, as PEM, written to a temp file. */
export function embeddedCertFile(xml: string, n: number): string {
  const certs = [...xml.matchAll(/<(?:\w+:)?X509Certificate>([^<]+)</g)].map((m) => (m[1] as string).replace(/\s+/g, ''));
  const b64 = certs[n - 1];
  if (!b64) throw new Error(`no certificate ${n}`);
  const file = path.join(tempDir('cert'), 'cert.pem');
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`);
  return file;
}
