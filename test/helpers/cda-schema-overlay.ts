// The HL7 Finland CDA R2 schema set (../shared/schemas/kela-cda-fi) knows the health-care header only.
// Its README says what social-welfare documents need: localSocialHeader allowed where localHeader may
// stand, and urn:hl7finland children of nonXMLBody (hl7fi:json), both laxly. This writes that overlay
// into a temporary copy; the CDA core is still checked, the social-welfare elements are not typed.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LOCAL_HEADER = '<xs:element ref="hl7fi:localHeader" minOccurs="0"/>';
const LAX_HL7FI = '<xs:any namespace="urn:hl7finland" processContents="lax" minOccurs="0"/>';
const NONXML_LANGUAGE = /(<xs:complexType name="POCD_MT000040\.NonXMLBody">[\s\S]*?<xs:element name="languageCode" type="CS" minOccurs="0"\/>)/;

/** Copies the set to a temporary directory with the overlay applied; returns that directory. */
export function socialWelfareOverlay(schemaDir: string): string {
  const out = mkdtempSync(path.join(tmpdir(), 'kgw-cda-xsd-'));
  cpSync(schemaDir, out, { recursive: true });
  const file = path.join(out, 'POCD_MT000040_Fi.xsd');
  let xsd = readFileSync(file, 'utf8');
  if (!xsd.includes(LOCAL_HEADER) || !NONXML_LANGUAGE.test(xsd)) throw new Error(`${schemaDir}: not the expected CDA_Fi schema set (overlay points not found)`);
  xsd = xsd.replace(LOCAL_HEADER, LAX_HL7FI).replace(NONXML_LANGUAGE, `$1<xs:any namespace="urn:hl7finland" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>`);
  writeFileSync(file, xsd);
  return out;
}
