// The intake formats the gateway reads. Each turns a submission into the same ParsedDocument
// (domain/parsed-document.ts) and then passes the same stages (run-intake.ts): CDA XML and JSON are
// chosen by media type on POST /v1/documents; the Kanta-native SOAP message arrives on its own endpoint
// (gateway/kanta-native/), which hands in its row directly.
import { CDA_XML_MEDIA_TYPE, readCdaXml } from '../../adapters/intake/cda-xml.ts';
import { JSON_DOCUMENT_MEDIA_TYPE, readJsonDocument, type JsonDocumentDeps } from '../../adapters/intake/json-document.ts';
import { KANTA_NATIVE_FORMAT, readKantaNative, type KantaNativeDeps } from '../../adapters/intake/kanta-native/read-kanta-native.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import type { Tenant, XmlLimitsConfig } from '../../config/schema.ts';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../../adapters/xml/xml-limits.ts';

/** What a format adapter is given: the raw body as received and what the request said beside it. */
export interface FormatInput {
  body: Buffer;
  /** The operation the caller named, if any (Kanta-Operation header). */
  requestedOperation?: string;
  tenant: Tenant;
  /** Structural limits for XML the format parses (gateway.xml); absent: the defaults. */
  xmlLimits?: XmlLimitsConfig;
}

export interface IntakeFormat {
  name: string;
  /** Matches the request's Content-Type. */
  mediaType: RegExp;
  /** Async: a format may need I/O to build the CDA (e.g. minting document OIDs in Redis). */
  read(input: FormatInput): Promise<ParsedDocument>;
}

const CDA_XML_FORMAT: IntakeFormat = { name: 'cda-xml', mediaType: CDA_XML_MEDIA_TYPE, read: async (i) => readCdaXml(i.body, i.requestedOperation, i.xmlLimits) };

/** The formats that need nothing beside the body (CDA XML). */
export const INTAKE_FORMATS: readonly IntakeFormat[] = [CDA_XML_FORMAT];

/** readCdaXml somewhere else than the event loop (gateway/intake/cda-read-pool.ts): the same answers. */
export type CdaReader = (body: Buffer, requestedOperation: string | undefined, limits: XmlLimits) => Promise<ParsedDocument>;

export interface IntakeFormatDeps {
  /** JSON intake: the document-id minter (Redis) and the configuration's organisations and units. */
  json: JsonDocumentDeps;
  /** Where CDA XML bodies are read; absent: on the event loop. */
  cdaReader?: CdaReader;
}

/** Every format, built with what the formats need (gateway/main.ts passes the Redis-backed minter). */
export function intakeFormats(deps: IntakeFormatDeps): readonly IntakeFormat[] {
  const reader = deps.cdaReader;
  const cdaXml: IntakeFormat = reader ? { ...CDA_XML_FORMAT, read: (i) => reader(i.body, i.requestedOperation, i.xmlLimits ?? DEFAULT_XML_LIMITS) } : CDA_XML_FORMAT;
  return [cdaXml, { name: 'json', mediaType: JSON_DOCUMENT_MEDIA_TYPE, read: (i) => readJsonDocument(i, deps.json) }];
}

/** The format for a Content-Type; refused (415) before the body is read when none matches. */
export function formatFor(contentType: string | undefined, formats: readonly IntakeFormat[] = INTAKE_FORMATS): IntakeFormat {
  const format = formats.find((f) => f.mediaType.test(contentType ?? ''));
  if (!format) throw new GatewayError('INTAKE_UNSUPPORTED_MEDIA_TYPE');
  return format;
}

// --- Kanta-native intake (issue 12)
/**
 * The Kanta-native row: a certified client system's own archive, version or void message in a SOAP 1.1
 * envelope. Not chosen by Content-Type (SOAP 1.1 is text/xml, which on POST /v1/documents means a bare
 * CDA): the SOAP endpoint gives it to runIntake itself.
 */
export function kantaNativeFormat(deps: KantaNativeDeps): IntakeFormat {
  return { name: KANTA_NATIVE_FORMAT, mediaType: /^text\/xml\s*(;|$)/i, read: async (i) => readKantaNative({ body: i.body, ...(i.xmlLimits ? { xmlLimits: i.xmlLimits } : {}) }, deps) };
}
