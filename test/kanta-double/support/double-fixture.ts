// A small synthetic world for the double's tests: an organizer and a provider carried by one
// välittäjä access point, a foreign organisation on a second access point, signing certificates for
// each, and helpers that make signed documents, frames, and post them to a running double.
import { request as httpsRequest } from 'node:https';
import { makeHetu } from '../../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../../adapters/cda/sample-document.ts';
import type { SampleDocumentOptions } from '../../../adapters/cda/sample-document.ts';
import type { KantaDoubleOptions } from '../../../adapters/kanta-double/server.ts';
import { makeCa, makeLeaf } from './test-pki.ts';
import type { TestCert } from './test-pki.ts';
import { signCda } from './test-signer.ts';
import type { SignOptions } from './test-signer.ts';
import { buildArchiveFrame, soapWrap } from './test-frame.ts';
import type { ArchiveFrameOptions, FrameDocumentMeta } from './test-frame.ts';

export const ORG_A = '1.2.246.10.11111111.10.0';
export const UNIT_A = '1.2.246.10.11111111.20.1';
export const ORG_P = '1.2.246.10.22222222.10.0';
export const UNIT_P = '1.2.246.10.22222222.20.1';
export const UNIT_P2 = '1.2.246.10.22222222.20.2';
export const ORG_X = '1.2.246.10.33333333.10.0';
export const UNIT_X = '1.2.246.10.33333333.20.1';
export const AP1 = '1.2.246.10.44444444.10.0';
export const AP2 = '1.2.246.10.55555555.10.0';
export const HETU = makeHetu(18, 4, 2018, 903);
export const HETU_2 = makeHetu(2, 2, 1990, 955);
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

export interface Pki {
  signingCa: TestCert;
  otherCa: TestCert;
  signerA: TestCert;
  signerP: TestCert;
  signerX: TestCert;
  signerNoUsage: TestCert;
  signerForeign: TestCert;
  signerExpired: TestCert;
  /** Professional certificates (nonRepudiation only, no organisation serialNumber), like the DVV Prof. Certs. */
  professional1: TestCert;
  professional2: TestCert;
}

let pki: Pki | undefined;

export function testPki(): Pki {
  if (pki) return pki;
  const signingCa = makeCa('Kanta double test signing CA');
  const otherCa = makeCa('Somebody else CA');
  const ku = { digitalSignature: true, nonRepudiation: true };
  pki = {
    signingCa,
    otherCa,
    signerA: makeLeaf(signingCa, { cn: 'Asiakastietojärjestelmä', serialNumber: ORG_A, keyUsage: ku }),
    signerP: makeLeaf(signingCa, { cn: 'Tuottajan järjestelmä', serialNumber: ORG_P, keyUsage: ku }),
    signerX: makeLeaf(signingCa, { cn: 'Vieras järjestelmä', serialNumber: ORG_X, keyUsage: ku }),
    signerNoUsage: makeLeaf(signingCa, { cn: 'Väärä käyttö', serialNumber: ORG_A, keyUsage: { keyEncipherment: true } }),
    signerForeign: makeLeaf(otherCa, { cn: 'Vieras CA', serialNumber: ORG_A, keyUsage: ku }),
    professional1: makeLeaf(signingCa, { cn: 'Angelica Testihenkilö', keyUsage: { nonRepudiation: true } }),
    professional2: makeLeaf(signingCa, { cn: 'Bertta Testihenkilö', keyUsage: { nonRepudiation: true } }),
    signerExpired: makeLeaf(signingCa, { cn: 'Vanhentunut', serialNumber: ORG_A, keyUsage: ku, notBefore: new Date(Date.now() - 400 * 86400e3), notAfter: new Date(Date.now() - 30 * 86400e3) }),
  };
  return pki;
}

/** The admin API's credential in the double's tests (adminHeaders() sends it). */
export const ADMIN_TOKEN = 'double-admin-test-token';
export const adminHeaders = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, ...extra });

export function baseOptions(extra: Partial<KantaDoubleOptions> = {}): KantaDoubleOptions {
  return {
    accessPoints: [
      { senderId: AP1, clientCertSerialNumber: AP1, organisations: [ORG_A, ORG_P], signerOids: [ORG_A, ORG_P] },
      { senderId: AP2, clientCertCn: 'ap2.example.test', organisations: [ORG_X], signerOids: [ORG_X] },
    ],
    serviceUnits: [
      { oid: UNIT_A, organisation: ORG_A },
      { oid: UNIT_P, organisation: ORG_P },
      { oid: UNIT_P2, organisation: ORG_P },
      { oid: UNIT_X, organisation: ORG_X },
    ],
    signingCaPems: [testPki().signingCa.certPem],
    adminToken: ADMIN_TOKEN,
    ...extra,
  };
}

let docCounter = 0;
export function newDocId(org = ORG_A): string {
  docCounter += 1;
  return `${org.replace(/\.10\.0$/, '')}.95.2026.${process.pid}.${docCounter}`;
}

export interface TestDoc {
  bytes: Buffer;
  meta: FrameDocumentMeta;
  group: string;
}

export interface DocOptions extends Partial<SampleDocumentOptions> {
  signer?: TestCert | null;
  sign?: SignOptions;
  /** Edit the signed XML text (tampering tests). */
  afterSign?: (xml: string) => string;
  /** Professional signatures (signatureDescription 1, body only) put in before the system signature. */
  professionalSigners?: TestCert[];
  /** Edit the XML before signing. */
  beforeSign?: (xml: string) => string;
}

export function makeDoc(o: DocOptions = {}): TestDoc {
  const documentId = o.documentId ?? newDocId(o.custodian ?? ORG_A);
  const opts: SampleDocumentOptions = {
    custodian: ORG_A, serviceUnit: UNIT_A, hetu: HETU, ...o, documentId,
  };
  let xml = makeSampleCda(opts);
  if (o.beforeSign) xml = o.beforeSign(xml);
  for (const p of o.professionalSigners ?? []) xml = signCda(xml, p, { kind: '1', bodyOnly: true, transforms: [EXC_C14N] });
  if (o.signer !== null) xml = signCda(xml, o.signer ?? testPki().signerA, o.sign);
  if (o.afterSign) xml = o.afterSign(xml);
  return {
    bytes: Buffer.from(xml, 'utf8'),
    group: opts.documentGroup ?? '5',
    meta: {
      id: documentId, setId: opts.setId ?? documentId, versionNumber: opts.versionNumber ?? 1, custodian: opts.custodian,
      hetu: opts.hetu, ...(opts.effectiveTime ? { effectiveTime: opts.effectiveTime } : {}), ...(opts.parent ? { parent: opts.parent } : {}),
    },
  };
}

const INTERACTION = { archive: 'RCMR_IN200002FI01', version: 'RCMR_IN200016FI01', void: 'RCMR_IN200017FI01' } as const;
const SP = { archive: ['SP1', 'SP17'], version: ['SP2', 'SP18'], void: ['SP3', 'SP19'] } as const;

export function frameFor(doc: TestDoc, o: Partial<ArchiveFrameOptions> & { op?: 'archive' | 'version' | 'void' } = {}): string {
  const op = o.op ?? 'archive';
  const sp = doc.group === '1' ? SP[op][0] : SP[op][1];
  return buildArchiveFrame({
    interaction: INTERACTION[op], senderId: AP1, unit: UNIT_A, serviceRequests: [sp], cda: doc.bytes, meta: doc.meta, ...o,
  });
}

export interface PostResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  ack: string | undefined;
  code: string | undefined;
}

function parse(status: number, body: string, headers: Record<string, string>): PostResult {
  return {
    status, body, headers,
    ack: /<acknowledgement typeCode="(A[AER])"/.exec(body)?.[1],
    code: /<acknowledgementDetail[^>]*><code code="([A-Z0-9_]+)"/.exec(body)?.[1],
  };
}

export async function post(url: string, hl7: string, binding: 'soap' | 'plain' = 'soap', extraHeaders: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': binding === 'soap' ? 'text/xml; charset=utf-8' : 'application/xml', ...extraHeaders },
    body: binding === 'soap' ? soapWrap(hl7) : hl7,
  });
  const body = await res.text();
  return parse(res.status, body, Object.fromEntries(res.headers));
}

/** POST over mutual TLS with node:https (fetch cannot present a client certificate without undici options). */
export function postTls(url: string, hl7: string, tls: { cert?: string; key?: string; ca: string }): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const body = soapWrap(hl7);
    const req = httpsRequest(url, {
      method: 'POST', ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
      headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(parse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers as Record<string, string>)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts and insists on AA: for the set-up steps of a test. */
export async function archiveOk(url: string, doc: TestDoc, o: Parameters<typeof frameFor>[1] = {}): Promise<void> {
  const r = await post(url, frameFor(doc, o));
  if (r.ack !== 'AA' || r.code !== undefined) throw new Error(`set-up archive refused: ${r.ack} ${r.code} ${r.body.slice(0, 300)}`);
}

export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
