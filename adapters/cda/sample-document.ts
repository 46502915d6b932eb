// Synthetic CDA R2 social-welfare documents shaped like the public Kanta test messages
// (../shared/samples/asia_S.xml): used by the demo, the benchmarks and the tests. Synthetic data
// only: test persons with valid hetu checksums, made-up OIDs.

export interface RightEntry {
  /** Provider service unit OID. */
  unit: string;
  unitName?: string;
  /** Client-relationship start date in that unit, YYYY-MM-DD. */
  start: string;
  /** End date, YYYY-MM-DD (asiakkuuden_paattymispvm; key name is an assumption, kanta.md §4). */
  end?: string;
}

export interface SampleDocumentOptions {
  documentId: string;
  setId?: string;
  versionNumber?: number;
  custodian: string;
  custodianName?: string;
  /** Organizer (outsourcingServiceCustomer); defaults to the custodian. */
  organizer?: string;
  serviceUnit: string;
  serviceUnitName?: string;
  functionCode?: string;
  /** "1" asiakkuusasiakirja, "5" later-phase client document (default). */
  documentGroup?: string;
  hetu: string;
  /** HL7 TS; default 20260915120000+0300. */
  effectiveTime?: string;
  clientRelationshipId?: string;
  caseId?: string;
  parent?: { id: string; setId: string; versionNumber: number };
  /** For asiakkuusasiakirja: registry-use rights per service task code. */
  rights?: Record<string, RightEntry[]>;
  /** Free text put into the XHTML and JSON body (no personal data in tests). */
  note?: string;
  /**
   * authorization/consent code (1.2.246.537.6.1286.201901: may a minor's document be disclosed to the
   * guardians); default "1" as in the public sample, null leaves the authorization out.
   */
  guardianConsent?: string | null;
  /** Leave out the hl7fi:signatureCollection element entirely. */
  omitSignatureCollection?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function bodyJson(o: SampleDocumentOptions, group: string): unknown {
  if (group === '1') {
    return {
      asiakkuusasiakirja: {
        asiakkuuden_yksilointitunnus: o.clientRelationshipId ?? `${o.custodian}.77.${o.documentId.split('.').pop()}`,
        asiakas: { henkilotunnus: { system: 'urn:oid:1.2.246.21', value: o.hetu } },
        sosiaalihuollon_asiakkuus: { asiakkuuden_alkamispvm: '2026-01-01' },
        palvelunjarjestajan_toimintayksikko: { system: 'urn:oid:1.2.246.537.6.202.2008', code: o.serviceUnit },
        sosiaalihuollon_palvelutehtava: Object.entries(o.rights ?? {}).map(([task, entries]) => ({
          palvelutehtava: { system: 'urn:oid:1.2.246.537.6.1221.201601', code: task },
          palvelunjarjestajan_palveluyksikko: [{ system: 'urn:oid:1.2.246.537.6.202.2008', code: o.serviceUnit }],
          palveluntuottaja: entries.map((e) => ({
            sosiaalipalvelu: [{ system: 'urn:oid:1.2.246.537.6.1222.201601', code: '45', display: 'Sosiaaliohjaus' }],
            palveluyksikon_nimi: { system: 'urn:oid:1.2.246.537.6.202.2008', code: e.unit, display: e.unitName ?? 'Palveluyksikkö' },
            asiakkuuden_alkamispvm: e.start,
            ...(e.end ? { asiakkuuden_paattymispvm: e.end } : {}),
          })),
        })),
      },
    };
  }
  return { asiakirja: { muistiinpano: o.note ?? 'Synteettinen testiasiakirja', paivamaara: '2026-09-15' } };
}

export function makeSampleCda(o: SampleDocumentOptions): string {
  const group = o.documentGroup ?? '5';
  const organizer = o.organizer ?? o.custodian;
  const setId = o.setId ?? o.documentId;
  const version = o.versionNumber ?? 1;
  const ts = o.effectiveTime ?? '20260915120000+0300';
  const xhtml = `<div class="soc-document" id="OID${o.documentId}" xmlns="http://www.w3.org/1999/xhtml"><div class="soc-main-wrapper"><h1 class="soc-fulltitle">${esc(o.note ?? 'Synteettinen testiasiakirja')}</h1></div></div>`;
  const json = JSON.stringify(bodyJson(o, group));
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const code = group === '1'
    ? '<code nullFlavor="NA"/>'
    : '<code code="15" codeSystem="1.2.246.537.6.1506.201701" codeSystemName="Sosiaalihuolto - Asiakasasiakirjatyyppi" displayName="Suunnitelma"/>';
  const related = o.parent
    ? `<relatedDocument typeCode="RPLC"><parentDocument><id root="${o.parent.id}"/><setId root="${o.parent.setId}"/><versionNumber value="${o.parent.versionNumber}"/></parentDocument></relatedDocument>`
    : '';
  const caseId = o.caseId ? `<id root="${o.caseId}"/>` : '<id nullFlavor="NA"/>';
  const relationship = o.clientRelationshipId ? `<hl7fi:encompassingClientRelationship root="${o.clientRelationshipId}"/>` : '';
  const collection = o.omitSignatureCollection ? '' : '<hl7fi:signatureCollection/>';
  const consent = o.guardianConsent === null
    ? ''
    : `<authorization><consent><code code="${esc(o.guardianConsent ?? '1')}" codeSystem="1.2.246.537.6.1286.201901" displayName="Alaikäisen asiakkaan asiakirja voidaan luovuttaa huoltajille"/><statusCode code="completed"/></consent></authorization>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:hl7fi="urn:hl7finland">
<realmCode code="FI"/>
<typeId extension="POCD_HD000040" root="2.16.840.1.113883.1.3"/>
<id root="${o.documentId}"/>
${code}
<effectiveTime value="${ts}"/>
<confidentialityCode code="6" codeSystem="1.2.246.777.5.99902.2006" codeSystemName="KanTa-palvelut - Asiakirjan luottamuksellisuus" displayName="Sosiaalihuollon salassapidettävä"/>
<languageCode code="fi"/>
<setId root="${setId}"/>
<versionNumber value="${version}"/>
<recordTarget><patientRole><id root="1.2.246.21" extension="${o.hetu}"/><patient><name><given>Testi</given><family>Henkilö</family></name></patient></patientRole></recordTarget>
<author><time nullFlavor="NA"/><assignedAuthor><id root="1.2.246.537.26" extension="10000000001"/><assignedPerson><name><given>Testi</given><family>Työntekijä</family></name></assignedPerson></assignedAuthor></author>
<custodian><assignedCustodian><representedCustodianOrganization><id root="${o.custodian}"/><name>${esc(o.custodianName ?? 'Rekisterinpitäjä')}</name></representedCustodianOrganization></assignedCustodian></custodian>
${related}${consent}<componentOf><encompassingEncounter>${caseId}<effectiveTime nullFlavor="NA"/><responsibleParty><assignedEntity><id nullFlavor="NA"/><representedOrganization><id root="${organizer}"/></representedOrganization></assignedEntity></responsibleParty><encounterParticipant typeCode="ADM"><assignedEntity><id nullFlavor="NA"/><representedOrganization><id root="${o.serviceUnit}"/><name>${esc(o.serviceUnitName ?? 'Palveluyksikkö')}</name></representedOrganization></assignedEntity></encounterParticipant></encompassingEncounter></componentOf>
<hl7fi:localSocialHeader>
<hl7fi:specificDocumentType code="${group === '1' ? '1' : '15007'}" codeSystem="1.2.246.537.6.1506.201701"/>
<hl7fi:creationTime value="${ts}"/>
<hl7fi:documentGroup code="${group}" codeSystem="1.2.246.537.6.1505.201601"/>
<hl7fi:fileFormat code="2" codeSystem="1.2.246.537.6.1502.201601" displayName="XHTML_1.1"/>
<hl7fi:structuredFileFormat code="5" codeSystem="1.2.246.537.5.40179.2008" displayName="JSON"/>
<hl7fi:softwareSupport moderator="kanta-gateway" product="sample" version="1"/>
<hl7fi:functionCode code="${o.functionCode ?? '24'}" codeSystem="1.2.246.537.6.1221.201601"/>
<hl7fi:recordStatus code="3" codeSystem="1.2.246.537.5.40154.2008" displayName="Arkistointivalmis"/>
<hl7fi:registryType code="1" codeSystem="1.2.246.537.6.1264.201701"/>
<hl7fi:outsourcingServiceCustomer root="${organizer}"/>
<hl7fi:outsourcingServiceCustomerName>${esc(o.organizer === undefined || o.organizer === o.custodian ? (o.custodianName ?? 'Palvelunjärjestäjä') : 'Palvelunjärjestäjä')}</hl7fi:outsourcingServiceCustomerName>
<hl7fi:totalRetentionPeriodClass code="1" codeSystem="1.2.246.537.6.1258.201601"/>
${relationship}
${collection}
</hl7fi:localSocialHeader>
<component><nonXMLBody ID="OID${o.documentId}"><text mediaType="application/xhtml+xml" representation="B64">${b64(xhtml)}</text><hl7fi:json representation="B64">${b64(json)}</hl7fi:json></nonXMLBody></component>
</ClinicalDocument>
`;
}
