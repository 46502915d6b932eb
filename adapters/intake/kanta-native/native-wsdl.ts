// The WSDL the gateway serves for its Kanta-native endpoint (kanta-native.wsdl beside this file): the
// operation elements and SOAP actions follow kanta.codes.interactions, so a client generated from it
// sends exactly what the gateway reads, and the address is the endpoint the request came to.
import { readFileSync } from 'node:fs';
import type { KantaCodes } from '../../../config/schema.ts';
import { escapeAttr } from '../../kanta/xml-escape.ts';

const TEMPLATE = readFileSync(new URL('./kanta-native.wsdl', import.meta.url), 'utf8');

/** The query's answer element [A] (kanta-binding.md §5). */
export const QUERY_RESPONSE_INTERACTION = 'RCMR_IN200011FI01';
export const ACK_INTERACTION = 'MCCI_IN000002UV01';

/** WSDL operation names, by interaction the endpoint takes. */
export const WSDL_OPERATIONS = { archive: 'Archive', version: 'Version', void: 'Void', queryClientRelationship: 'QueryClientRelationship' } as const;

export function renderNativeWsdl(codes: KantaCodes, location: string): string {
  const i = codes.interactions;
  return TEMPLATE.replaceAll('{{ARCHIVE}}', i.archive)
    .replaceAll('{{VERSION}}', i.version)
    .replaceAll('{{VOID}}', i.void)
    .replaceAll('{{QUERY_RESPONSE}}', QUERY_RESPONSE_INTERACTION)
    .replaceAll('{{QUERY}}', i.queryClientRelationship)
    .replaceAll('{{ACK}}', ACK_INTERACTION)
    .replaceAll('{{LOCATION}}', escapeAttr(location, 'location'));
}
