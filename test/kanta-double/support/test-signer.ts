// Test-only system signer, written from kanta.md §3 for the double's tests (the gateway's own signer
// in certs/ is deliberately not used: the double must be a second, independent reading). It puts a
// hl7fi:signature (signatureDescription 3 or 1, signatureTimestamp) into the signatureCollection (after
// any already there) and signs
// the timestamp and the nonXMLBody with exc-c14n / rsa-sha256 / sha256.
import { SignedXml } from 'xml-crypto';
import type { TestCert } from './test-pki.ts';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface SignOptions {
  /** xs:dateTime of hl7fi:signatureTimestamp; default now. */
  timestamp?: string;
  /** signatureDescription code; 3 = system signature. */
  kind?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** Sign only the body (leave the timestamp reference out). */
  bodyOnly?: boolean;
  id?: string;
  /** Reference transforms; default enveloped-signature + exc-c14n (the system-signature sample). */
  transforms?: string[];
}

export function signCda(xml: string, signer: TestCert, o: SignOptions = {}): string {
  const id = o.id ?? `sig-${Math.random().toString(16).slice(2, 10)}`;
  const tsId = `CDA-timestamp.${id}`;
  const signature = `<hl7fi:signature ID="${id}"><hl7fi:signatureDescription code="${o.kind ?? '3'}" codeSystem="1.2.246.537.5.40127.2006" displayName="${(o.kind ?? '3') === '1' ? 'Ammattihenkilön allekirjoitus' : 'Järjestelmäallekirjoitus'}"/><hl7fi:signatureTimestamp ID="${tsId}">${o.timestamp ?? new Date().toISOString()}</hl7fi:signatureTimestamp></hl7fi:signature>`;
  // A further signature goes after the ones already there (professional signatures first, then the system's).
  let prepared: string;
  if (xml.includes('<hl7fi:signatureCollection/>')) prepared = xml.replace('<hl7fi:signatureCollection/>', `<hl7fi:signatureCollection>${signature}</hl7fi:signatureCollection>`);
  else if (xml.includes('</hl7fi:signatureCollection>')) prepared = xml.replace('</hl7fi:signatureCollection>', `${signature}</hl7fi:signatureCollection>`);
  else throw new Error('test signer expects a <hl7fi:signatureCollection>');
  const bodyId = /<nonXMLBody ID="([^"]+)"/.exec(prepared)?.[1];
  if (!bodyId) throw new Error('no nonXMLBody ID');
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: o.signatureAlgorithm ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: EXC_C14N,
  });
  const digestAlgorithm = o.digestAlgorithm ?? 'http://www.w3.org/2001/04/xmlenc#sha256';
  const transforms = o.transforms ?? [ENVELOPED, EXC_C14N];
  if (!o.bodyOnly) sig.addReference({ xpath: `//*[@ID='${tsId}']`, transforms, digestAlgorithm });
  sig.addReference({ xpath: `//*[@ID='${bodyId}']`, transforms, digestAlgorithm });
  sig.computeSignature(prepared, {
    prefix: 'ds',
    location: { reference: `//*[local-name()='signature' and @ID='${id}']`, action: 'append' },
  });
  return sig.getSignedXml();
}
