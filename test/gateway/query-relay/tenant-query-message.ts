// What a tenant's certified client system sends for "Hae asiakkuus" (kanta-binding.md §5), written by
// hand here rather than by the gateway's own builder: the test plays the client system.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const TENANT_SYSTEM = '1.2.246.10.22222222.10.77';
export const KANTA_RECEIVER = '1.2.246.556.18007.2';

export interface TenantQuery {
  messageId?: string;
  askingUnit: string;
  custodian: string;
  hetu: string;
  actingPerson?: { root: string; extension: string };
}

export function tenantQueryMessage(q: TenantQuery): { xml: string; messageId: string } {
  const messageId = q.messageId ?? String(Date.now()) + String(Math.floor(Math.random() * 1e6));
  const person = q.actingPerson ? `<id root="${q.actingPerson.root}" extension="${q.actingPerson.extension}"/>` : '<id nullFlavor="NA"/>';
  const xml =
    `<RCMR_IN200010FI01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0">` +
    `<id root="${TENANT_SYSTEM}" extension="${messageId}"/><creationTime value="20261202100000+0200"/><versionCode code="V3-2006"/>` +
    `<interactionId root="2.16.840.1.113883.1.6" extension="RCMR_IN200010FI01"/><processingCode code="T"/><processingModeCode code="T"/><acceptAckCode code="ER"/>` +
    `<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE"><id root="${KANTA_RECEIVER}"/></device></receiver>` +
    `<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${TENANT_SYSTEM}"/></device></sender>` +
    `<controlActProcess classCode="CACT" moodCode="EVN"><code code="RCMR_TE000110UV01" codeSystem="2.16.840.1.113883.1.18"/>` +
    `<authorOrPerformer typeCode="AUT"><assignedPerson>${person}<representedOrganization><id root="${q.askingUnit}"/></representedOrganization></assignedPerson></authorOrPerformer>` +
    `<queryByParameter><queryId root="${TENANT_SYSTEM}" extension="${randomUUID()}"/><custodian><value root="${q.custodian}"/></custodian>` +
    `<patientId><value root="1.2.246.21" extension="${q.hetu}"/></patientId></queryByParameter></controlActProcess></RCMR_IN200010FI01>`;
  return { xml, messageId };
}

export function soapWrapped(hl7: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>${hl7}</soapenv:Body></soapenv:Envelope>`;
}

/** A minimal WSDL around the query operation the soap-intake session merges (query-operation.wsdl.part). */
export function queryWsdl(location: string): string {
  const part = readFileSync(new URL('../../../adapters/intake/kanta-native/query-operation.wsdl.part', import.meta.url), 'utf8')
    .replaceAll('{{QUERY_RESPONSE}}', 'RCMR_IN200011FI01')
    .replaceAll('{{QUERY}}', 'RCMR_IN200010FI01')
    .replaceAll('{{TNS}}', 'tns');
  const section = (name: string) => {
    const m = new RegExp(`<!-- section: ${name}[^>]*-->([\\s\\S]*?)(?=<!-- section:|$)`).exec(part);
    if (!m) throw new Error(`query-operation.wsdl.part has no section ${name}`);
    return m[1]!.trim();
  };
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:hl7="urn:hl7-org:v3" xmlns:tns="urn:kanta-gateway:sh" targetNamespace="urn:kanta-gateway:sh" name="KantaGatewayQuery">
  <wsdl:types><xsd:schema targetNamespace="urn:hl7-org:v3" elementFormDefault="qualified">${section('types')}</xsd:schema></wsdl:types>
  ${section('messages')}
  <wsdl:portType name="GatewayQueryPortType">${section('portType operation')}</wsdl:portType>
  <wsdl:binding name="GatewayQuerySoapBinding" type="tns:GatewayQueryPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${section('binding operation')}</wsdl:binding>
  <wsdl:service name="GatewayQueryService"><wsdl:port name="GatewayQueryPort" binding="tns:GatewayQuerySoapBinding"><soap:address location="${location}"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;
}
