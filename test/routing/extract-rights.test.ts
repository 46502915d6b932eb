import { expect } from 'chai';
import { DOMParser } from '@xmldom/xmldom';
import { clientKey, extractRightsFromClientRelationship, validateRightEntries } from '../../gateway/routing/index.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { GatewayError } from '../../domain/errors.ts';

const UNIT1 = '1.2.246.10.2001.10.1';
const UNIT2 = '1.2.246.10.2001.10.2';

/** The JSON body of a generated asiakkuusasiakirja, decoded the way the archive would. */
function sampleBody(rights: Parameters<typeof makeSampleCda>[0]['rights']): unknown {
  const xml = makeSampleCda({ documentId: '1.2.246.10.1001.1.1', custodian: '1.2.246.10.1001', serviceUnit: '1.2.246.10.1001.10.1', documentGroup: '1', hetu: makeHetu(15, 6, 1990, 931), rights });
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const json = doc.getElementsByTagNameNS('urn:hl7finland', 'json')[0]!.textContent!;
  return JSON.parse(Buffer.from(json, 'base64').toString('utf8'));
}

function codeOf(fn: () => unknown): { code: string; ruleId?: string; path?: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    const e = err as GatewayError;
    return { code: e.code, ...(e.ruleId ? { ruleId: e.ruleId } : {}), path: e.details?.path };
  }
  throw new Error('expected a coded error');
}

describe('extractRightsFromClientRelationship', () => {
  it('reads the rights of a generated asiakkuusasiakirja, reopened periods included', () => {
    const body = sampleBody({
      '24': [
        { unit: UNIT1, start: '2026-02-01', end: '2026-03-28' },
        { unit: UNIT1, start: '2026-05-01' },
      ],
      '25': [{ unit: UNIT2, start: '2026-01-01' }],
    });
    expect(extractRightsFromClientRelationship(body)).to.deep.equal({
      '24': [
        { unit: UNIT1, start: '2026-02-01', end: '2026-03-28' },
        { unit: UNIT1, start: '2026-05-01' },
      ],
      '25': [{ unit: UNIT2, start: '2026-01-01' }],
    });
    expect(extractRightsFromClientRelationship(JSON.stringify(body))).to.have.keys('24', '25');
  });

  it('gives an empty set for a client relationship without service tasks', () => {
    expect(extractRightsFromClientRelationship({ asiakkuusasiakirja: {} })).to.deep.equal({});
    expect(extractRightsFromClientRelationship({ asiakkuusasiakirja: { sosiaalihuollon_palvelutehtava: [{ palvelutehtava: { code: '24' } }] } })).to.deep.equal({});
  });

  it('reads a date-time start as its Finnish calendar date', () => {
    const body = { asiakkuusasiakirja: { sosiaalihuollon_palvelutehtava: [{ palvelutehtava: { code: '24' }, palveluntuottaja: [{ palveluyksikon_nimi: { code: UNIT1 }, asiakkuuden_alkamispvm: '2026-03-28T23:30:00Z' }] }] } };
    expect(extractRightsFromClientRelationship(body)).to.deep.equal({ '24': [{ unit: UNIT1, start: '2026-03-29' }] });
  });

  const task = (p: unknown) => ({ asiakkuusasiakirja: { sosiaalihuollon_palvelutehtava: [{ palvelutehtava: { code: '24' }, palveluntuottaja: [p] }] } });
  const malformed: [string, unknown, string][] = [
    ['not JSON text', '{', '(root)'],
    ['not a client-relationship body', { lapsiperheiden_palvelujen_asiakassuunnitelma: {} }, 'asiakkuusasiakirja'],
    ['tasks not an array', { asiakkuusasiakirja: { sosiaalihuollon_palvelutehtava: {} } }, 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava'],
    ['task code missing', { asiakkuusasiakirja: { sosiaalihuollon_palvelutehtava: [{ palvelutehtava: {} }] } }, 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palvelutehtava.code'],
    ['unit not an OID', task({ palveluyksikon_nimi: { code: 'unit-1' }, asiakkuuden_alkamispvm: '2026-01-01' }), 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].palveluyksikon_nimi.code'],
    ['start missing', task({ palveluyksikon_nimi: { code: UNIT1 } }), 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].asiakkuuden_alkamispvm'],
    ['impossible date', task({ palveluyksikon_nimi: { code: UNIT1 }, asiakkuuden_alkamispvm: '2026-02-30' }), 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].asiakkuuden_alkamispvm'],
    ['end before start', task({ palveluyksikon_nimi: { code: UNIT1 }, asiakkuuden_alkamispvm: '2026-03-01', asiakkuuden_paattymispvm: '2026-02-28' }), 'asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].asiakkuuden_paattymispvm'],
  ];
  for (const [name, body, path] of malformed) {
    it(`refuses ${name} with INTAKE_INVALID_FIELD and the path`, () => {
      expect(codeOf(() => extractRightsFromClientRelationship(body))).to.deep.equal({ code: 'INTAKE_INVALID_FIELD', ruleId: 'R-RIGHT-EXTRACT', path });
    });
  }
});

describe('validateRightEntries (API form)', () => {
  it('accepts {task: [{unit, start, end?}]}', () => {
    expect(validateRightEntries({ '24': [{ unit: UNIT1, start: '2026-01-01', end: '2026-01-01' }] })).to.deep.equal({ '24': [{ unit: UNIT1, start: '2026-01-01', end: '2026-01-01' }] });
  });
  for (const [name, raw] of [
    ['a non-numeric task', { abc: [] }],
    ['an unknown field', { '24': [{ unit: UNIT1, start: '2026-01-01', hetu: 'x' }] }],
    ['end before start', { '24': [{ unit: UNIT1, start: '2026-01-02', end: '2026-01-01' }] }],
    ['a list instead of a map', [{ unit: UNIT1 }]],
  ] as [string, unknown][]) {
    it(`refuses ${name}`, () => expect(codeOf(() => validateRightEntries(raw)).code).to.equal('REQUEST_INVALID'));
  }
});

describe('clientKey', () => {
  it('is a keyed SHA-256 HMAC that hides the hetu', () => {
    const hetu = makeHetu(15, 6, 1990, 931);
    const k = clientKey({ root: '1.2.246.21', extension: hetu }, 'secret-1');
    expect(k).to.match(/^[0-9a-f]{64}$/);
    expect(k).to.not.contain(hetu);
    expect(clientKey({ root: '1.2.246.21', extension: hetu }, 'secret-1')).to.equal(k);
    expect(clientKey({ root: '1.2.246.21', extension: hetu }, 'secret-2')).to.not.equal(k);
    expect(clientKey({ root: '1.2.246.10.2012566.22.2026', extension: hetu }, 'secret-1')).to.not.equal(k);
  });
  it('refuses an empty secret', () => {
    expect(codeOf(() => clientKey({ root: '1.2.246.21', extension: 'x' }, '')).code).to.equal('CONFIG_INVALID');
  });
});
