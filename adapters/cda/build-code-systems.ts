// The Kanta classifications the CDA builder writes (kanta.md §2, as in ../shared/samples/asia_S.xml):
// OID and the codeSystemName the public samples carry.
export interface CodeSystem {
  oid: string;
  name: string;
}

export const CODE_SYSTEMS = {
  documentType: { oid: '1.2.246.537.6.1506.201701', name: 'Sosiaalihuolto - Asiakasasiakirjatyyppi' },
  confidentiality: { oid: '1.2.246.777.5.99902.2006', name: 'KanTa-palvelut - Asiakirjan luottamuksellisuus' },
  gender: { oid: '1.2.246.537.5.1.1997', name: 'AR/YDIN - Sukupuoli' },
  guardianConsent: { oid: '1.2.246.537.6.1286.201901', name: 'Sosiaalihuolto - Alaikäisen asiakastietojen luovuttaminen huoltajille' },
  documentGroup: { oid: '1.2.246.537.6.1505.201601', name: 'Sosiaalihuolto - Asiakirjaryhmä' },
  fileFormat: { oid: '1.2.246.537.6.1502.201601', name: 'Sosiaalihuolto - Asiakirjan näyttömuodon formaatti' },
  structuredFileFormat: { oid: '1.2.246.537.5.40179.2008', name: 'eArkisto - Asiakirjan tiedostomuoto' },
  serviceTask: { oid: '1.2.246.537.6.1221.201601', name: 'Sosiaalihuolto - Palvelutehtävä' },
  recordStatus: { oid: '1.2.246.537.5.40154.2008', name: 'eArkisto - Asiakirjan valmistumisen tila' },
  registryType: { oid: '1.2.246.537.6.1264.201701', name: 'Sosiaalihuolto - Asiakirjan rekisteritunnus' },
  retention: { oid: '1.2.246.537.6.1258.201601', name: 'Sosiaalihuolto - asiakirjan kokonaissäilytysaika' },
  specialContent: { oid: '1.2.246.537.6.112.2007', name: 'AR/YDIN - Kyllä/EI/Ei tietoa' },
  serviceProcess: { oid: '1.2.246.537.6.1277.201701', name: 'Sosiaalihuolto - Sosiaalihuollon palveluprosessi' },
  inaccessibleArgument: { oid: '1.2.246.537.6.1288.201901', name: 'Sosiaalihuolto - Perustelut asiakirjan näyttämisen rajaamiselle Omakannassa' },
} as const satisfies Record<string, CodeSystem>;

/** Person identifier roots (kanta.md §2). */
export const HETU_ROOT = '1.2.246.21';
export const CDA_TYPE_ID = { root: '2.16.840.1.113883.1.3', extension: 'POCD_HD000040' };
