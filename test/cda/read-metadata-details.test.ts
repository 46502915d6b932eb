// The optional header details issue 13 reads from a CDA for the frame and the minors rule: author,
// patient, organisation names, languageCode, confidentialityCode, guardian consent and the hetu's
// birth date; from the synthetic sample and from the public asia_S.xml.
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import { buildRoutingIndex, decide } from '../../gateway/routing/index.ts';
import { compactSignedForm, readSample } from '../helpers/samples.ts';
import { fixtureConfig, ORG, UNIT, tenantOfConfig } from '../routing/fixture.ts';

const base = { documentId: '1.2.246.10.1.95.7', custodian: '1.2.246.10.1.10.0', serviceUnit: '1.2.246.10.1.20.1', hetu: makeHetu(18, 4, 2018, 903) };

describe('CDA header details (issue 13)', () => {
  it('reads author, patient, names, language, confidentiality, consent and birth date of the sample document', () => {
    const m = readDocumentMetadata(parseXmlSafely(makeSampleCda({ ...base, serviceUnitName: 'Perhekeskus' })));
    expect(m.author).to.deep.equal({ id: { root: '1.2.246.537.26', extension: '10000000001' }, name: { family: ['Työntekijä'], given: [{ value: 'Testi' }] } });
    expect(m.patient).to.deep.equal({ name: { family: ['Henkilö'], given: [{ value: 'Testi' }] } });
    expect(m.clientBirthDate).to.equal('2018-04-18');
    expect(m.guardianConsentCodes).to.deep.equal(['1']);
    expect(m.languageCode).to.equal('fi');
    expect(m.confidentiality).to.deep.equal({ code: '6', codeSystem: '1.2.246.777.5.99902.2006', codeSystemName: 'KanTa-palvelut - Asiakirjan luottamuksellisuus', displayName: 'Sosiaalihuollon salassapidettävä' });
    expect(m.serviceUnitName).to.equal('Perhekeskus');
    expect(m.outsourcingServiceCustomerName).to.equal('Palvelunjärjestäjä');
    expect(readDocumentMetadata(parseXmlSafely(makeSampleCda({ ...base, guardianConsent: null }))).guardianConsentCodes).to.equal(undefined);
  });

  it('a minor\'s document read without consent is refused by routing, with consent accepted', () => {
    const { config, version } = fixtureConfig();
    const index = buildRoutingIndex(config, version);
    const doc = (consent: string | null) => ({
      ...readDocumentMetadata(parseXmlSafely(makeSampleCda({ ...base, custodian: ORG.regionA, serviceUnit: UNIT.regionA, guardianConsent: consent, effectiveTime: '20260315120000+0200' }))),
    });
    const run = (consent: string | null) => decide({ index, tenant: tenantOfConfig(config, 't-region-a'), meta: doc(consent), operation: 'archive', rights: undefined, now: new Date('2026-04-01T09:00:00Z') });
    expect(run(null)).to.include({ accepted: false, code: 'INTAKE_MINOR_CONSENT_MISSING' });
    expect(run('1')).to.include({ accepted: true });
  });

  it('reads the public asia_S.xml: consent 1, patient with CL given name, gender and birth time, organisation names', function () {
    const s = readSample('asia_S.xml');
    if (!s) return this.skip();
    const m = readDocumentMetadata(parseXmlSafely(compactSignedForm(s)), new Date('2026-12-02T00:00:00Z'));
    expect(m.guardianConsentCodes).to.deep.equal(['1']);
    expect(m.clientBirthDate).to.equal('2018-04-18');
    expect(m.patient?.name?.given).to.deep.equal([{ value: 'Kanta-Hakuat' }, { value: 'Kanta-Hakuat', qualifier: 'CL' }]);
    expect(m.patient?.birthTime).to.equal('20180418');
    expect(m.patient?.gender).to.include({ code: '1', displayName: 'Mies' });
    expect(m.author?.name).to.deep.equal({ family: ['Johansson'], given: [{ value: 'Angelica' }] });
    expect(m.languageCode).to.equal('FI');
    expect(m.confidentiality?.codeSystemName).to.equal('KanTa-palvelut - Asiakirjan luottamuksellisuus');
    expect(m.custodianName).to.equal('Helsingin sosiaali- ja terveystoimi');
    expect(m.responsibleOrganisationName).to.equal('Helsingin sosiaali- ja terveystoimi');
    expect(m.serviceUnitName).to.match(/^Lapsiperheiden sosiaaliohjaus Vuosaaren/);
    expect(m.outsourcingServiceCustomerName).to.equal('Helsingin sosiaali- ja terveystoimi');
  });
});
