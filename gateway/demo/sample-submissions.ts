// The demo's sample documents, in the order they are submitted: a right opened by the region's
// asiakkuusasiakirja, then documents that use it, one refused for its date, and a provider's own.
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { DEMO, type DemoTokens } from './demo-environment.ts';
import { newDocumentId } from './document-ids.ts';

export interface SampleSubmission {
  label: string;
  tenant: keyof DemoTokens;
  xml: string;
  operation?: 'archive' | 'version' | 'void';
}

/** The sample flow: a right opened by the region's asiakkuusasiakirja, then documents that use it. */
export function sampleSubmissions(): SampleSubmission[] {
  const child = makeHetu(15, 3, 2016, 901);
  const adult = makeHetu(2, 11, 1984, 902);
  const relationship = newDocumentId(DEMO.region.oid);
  const plan = newDocumentId(DEMO.region.oid);
  const planV2 = newDocumentId(DEMO.region.oid);
  const base = { custodian: DEMO.region.oid, custodianName: DEMO.region.name, serviceUnit: DEMO.region.unit, hetu: child, functionCode: DEMO.serviceTask };
  return [
    {
      label: 'region: asiakkuusasiakirja opening a right for Hoivapalvelu',
      tenant: 'region',
      xml: makeSampleCda({ ...base, documentId: relationship, documentGroup: '1', rights: { [DEMO.serviceTask]: [{ unit: DEMO.hoiva.unit, unitName: DEMO.hoiva.unitName, start: '2026-09-01' }] } }),
    },
    { label: 'region: client plan, version 1', tenant: 'region', xml: makeSampleCda({ ...base, documentId: plan, note: 'Asiakassuunnitelma' }) },
    {
      label: 'region: client plan, version 2',
      tenant: 'region',
      operation: 'version',
      xml: makeSampleCda({ ...base, documentId: planV2, setId: plan, versionNumber: 2, parent: { id: plan, setId: plan, versionNumber: 1 }, note: 'Asiakassuunnitelma, päivitetty' }),
    },
    {
      label: 'hoiva: service note into the region\'s registry (registry-use right)',
      tenant: 'hoiva',
      xml: makeSampleCda({ ...base, documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit, serviceUnitName: DEMO.hoiva.unitName, note: 'Perhetyön käyntikirjaus' }),
    },
    {
      label: 'hoiva: note dated before the right starts (refused)',
      tenant: 'hoiva',
      xml: makeSampleCda({ ...base, documentId: newDocumentId(DEMO.hoiva.oid), serviceUnit: DEMO.hoiva.unit, effectiveTime: '20260815120000+0300', note: 'Liian aikainen kirjaus' }),
    },
    {
      label: 'perhe: own service, own registry',
      tenant: 'perhe',
      xml: makeSampleCda({ custodian: DEMO.perhe.oid, custodianName: DEMO.perhe.name, serviceUnit: DEMO.perhe.unit, hetu: adult, functionCode: '21', documentId: newDocumentId(DEMO.perhe.oid), note: 'Perheneuvolan muistio' }),
    },
  ];
}
