// hl7fi:localSocialHeader of a JSON-built CDA, children in the order of the public samples
// (../shared/samples/asia_S.xml, kanta.md §2). No signatureCollection: the system signer adds it.
import type { JsonDocumentSubmission } from '../intake/json-document-schema.ts';
import { empty, textElement } from './build-xml.ts';
import { CODE_SYSTEMS, type CodeSystem } from './build-code-systems.ts';
import { hl7TimeOf } from './build-hl7-time.ts';

export interface SoftwareSupport {
  moderator: string;
  product: string;
  version: string;
}

export interface LocalSocialHeaderInput {
  submission: JsonDocumentSubmission;
  organizerName?: string;
  software: SoftwareSupport;
}

type Code = { code: string; displayName?: string | undefined };

/** `<prefix:name code=… codeSystem=… codeSystemName=… displayName=…/>` */
export function coded(name: string, value: Code, system: CodeSystem): string {
  return empty(name, [['code', value.code], ['codeSystem', system.oid], ['codeSystemName', system.name], ['displayName', value.displayName]]);
}

const DEFAULT_REGISTRY_TYPE = { code: '1', displayName: 'Sosiaalihuollon asiakasrekisteri' };
const DEFAULT_RETENTION = { code: '1', displayName: 'Säilytetään pysyvästi' };

export function buildLocalSocialHeader({ submission: s, organizerName, software }: LocalSocialHeaderInput): string {
  const h = (name: string) => `hl7fi:${name}`;
  const special = s.display?.specialContent ?? false;
  const lines = [
    coded(h('specificDocumentType'), s.specificDocumentType, CODE_SYSTEMS.documentType),
    empty(h('creationTime'), [['value', hl7TimeOf(s.creationTime ?? s.effectiveTime)]]),
    coded(h('documentGroup'), s.documentGroup, CODE_SYSTEMS.documentGroup),
    coded(h('fileFormat'), { code: '2', displayName: 'XHTML_1.1' }, CODE_SYSTEMS.fileFormat),
    coded(h('structuredFileFormat'), { code: '5', displayName: 'JSON' }, CODE_SYSTEMS.structuredFileFormat),
    empty(h('softwareSupport'), [['moderator', software.moderator], ['product', software.product], ['version', software.version]]),
    coded(h('functionCode'), s.serviceTask, CODE_SYSTEMS.serviceTask),
    coded(h('recordStatus'), { code: '3', displayName: 'Arkistointivalmis' }, CODE_SYSTEMS.recordStatus),
    coded(h('registryType'), s.registryType ?? DEFAULT_REGISTRY_TYPE, CODE_SYSTEMS.registryType),
    empty(h('outsourcingServiceCustomer'), [['root', s.organizer]]),
    organizerName === undefined ? undefined : textElement(h('outsourcingServiceCustomerName'), organizerName),
    coded(h('totalRetentionPeriodClass'), s.retentionClass ?? DEFAULT_RETENTION, CODE_SYSTEMS.retention),
    coded(h('specialContent'), special ? { code: 'K', displayName: 'Kyllä' } : { code: 'E', displayName: 'Ei' }, CODE_SYSTEMS.specialContent),
    s.contentSpecificationId === undefined ? undefined : textElement(h('contentSpecificationId'), s.contentSpecificationId),
    s.clientRelationshipId === undefined ? undefined : empty(h('encompassingClientRelationship'), [['root', s.clientRelationshipId]]),
    s.serviceProcess === undefined
      ? undefined
      : `<${h('serviceProcess')}>${textElement(h('type'), 'Sosiaalihuollon palveluprosessi')}${coded(h('code'), s.serviceProcess, CODE_SYSTEMS.serviceProcess)}</${h('serviceProcess')}>`,
    s.display?.restrictionArgument === undefined ? undefined : textElement(h('authorizationRestrictionArgument'), s.display.restrictionArgument),
    s.display?.restrictionReason === undefined ? undefined : coded(h('inaccessibleArgument'), s.display.restrictionReason, CODE_SYSTEMS.inaccessibleArgument),
  ].filter((l): l is string => l !== undefined);
  return `<hl7fi:localSocialHeader>\n${lines.join('\n')}\n</hl7fi:localSocialHeader>`;
}
