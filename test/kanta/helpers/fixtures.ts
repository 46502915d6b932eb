// Shared synthetic inputs for the Kanta adapter tests: access point and codes through the real config
// schema (so defaults match production), sample CDA documents with test-person hetus, and answers
// written the way the contract (docs/kanta-binding.md §4, §5) describes them.
import { AccessPointSchema, KantaCodesSchema } from '../../../config/schema.ts';
import type { AccessPoint, KantaCodes } from '../../../config/schema.ts';
import type { DocumentMetadata, DocumentOperation } from '../../../domain/document-header.ts';
import { makeHetu } from '../../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../../adapters/cda/sample-document.ts';
import { readDocumentMetadata } from '../../../adapters/cda/read-metadata.ts';
import { parseXmlSafely } from '../../../adapters/xml/safe-parse.ts';
import type { OutboundDocument, RegistryUsage } from '../../../adapters/kanta/outbound-document.ts';

export const ORG = '1.2.246.10.99999999.10.0';
export const UNIT = '1.2.246.10.99999999.10.40';
export const SENDER = '1.2.246.10.99999999.10.0.13.2.1';
export const MSG_ROOT = '1.2.246.10.99999999.10.0.13.2.1.7';
export const HETU = makeHetu(18, 4, 2018, 903);

export function accessPoint(over: Partial<Record<string, unknown>> = {}): AccessPoint {
  return AccessPointSchema.parse({ id: 'ap-test', url: 'https://127.0.0.1:1/kanta', senderId: SENDER, messageIdRoot: MSG_ROOT, ...over });
}

export function codes(over: Record<string, unknown> = {}): KantaCodes {
  return KantaCodesSchema.parse(over);
}

export interface DocOptions {
  documentId?: string;
  versionNumber?: number;
  group?: string;
  operation?: DocumentOperation;
  usage?: RegistryUsage;
  parent?: { id: string; setId: string; versionNumber: number };
}

export function sampleDocument(o: DocOptions = {}): OutboundDocument {
  const documentId = o.documentId ?? `${ORG}.95.2026.1.${Math.floor(Math.random() * 1e6)}`;
  const xml = makeSampleCda({
    documentId,
    setId: o.parent?.setId ?? documentId,
    versionNumber: o.versionNumber ?? (o.parent ? o.parent.versionNumber + 1 : 1),
    custodian: ORG,
    serviceUnit: UNIT,
    hetu: HETU,
    documentGroup: o.group ?? '5',
    ...(o.parent ? { parent: o.parent } : {}),
  });
  const metadata: DocumentMetadata = readDocumentMetadata(parseXmlSafely(xml));
  return { metadata, signedCda: Buffer.from(xml, 'utf8'), operation: o.operation ?? 'archive', usage: o.usage ?? 'ownUse' };
}

export interface AckDetailSpec {
  typeCode?: string;
  code?: string;
  text?: string;
  location?: string;
}

/** An MCCI ack answering the message whose id is in `requestBody` (or the given target). */
export function ackFor(requestBody: string, typeCode: string, details: AckDetailSpec[] = [], opts: { root?: string; target?: { root: string; extension: string } } = {}): string {
  const m = /<id root="([^"]+)" extension="([^"]+)"\/>/.exec(requestBody);
  const target = opts.target ?? (m ? { root: m[1]!, extension: m[2]! } : { root: '0', extension: '0' });
  const root = opts.root ?? 'MCCI_IN000002UV01';
  const detailXml = details
    .map(
      (d) =>
        `<acknowledgementDetail${d.typeCode ? ` typeCode="${d.typeCode}"` : ''}>` +
        (d.code ? `<code code="${d.code}" codeSystem="1.2.246.537.5.40185.2026"/>` : '') +
        (d.text ? `<text>${d.text}</text>` : '') +
        (d.location ? `<location>${d.location}</location>` : '') +
        `</acknowledgementDetail>`,
    )
    .join('\n');
  return `<${root} xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">
  <id root="1.2.246.556.18007.2.1" extension="7c4e8a3e-0f8e-4c55-9e0b-1d2c3b4a5f60"/>
  <creationTime value="20260915120001+0300"/>
  <interactionId root="2.16.840.1.113883.1.6" extension="${root}"/>
  <processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="NE"/>
  <acknowledgement typeCode="${typeCode}">
    <targetMessage><id root="${target.root}" extension="${target.extension}"/></targetMessage>
    ${detailXml}
  </acknowledgement>
</${root}>`;
}

/** SOAP 1.1 envelope with a prefix other than ours, as another stack would write it. */
export function soapWrap(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header/><S:Body>${inner}</S:Body></S:Envelope>`;
}

export function soapFault(faultcode: string, faultstring: string, detail?: string): string {
  return `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>${faultcode}</faultcode><faultstring>${faultstring}</faultstring>${detail === undefined ? '' : `<detail>${detail}</detail>`}</S:Fault></S:Body></S:Envelope>`;
}
