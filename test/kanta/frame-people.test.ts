// Issue 13 on the builder's side: the frame carries author, patient, acting person and organisation
// names the way the public frame asia_K.xml does; trigger event per operation from kanta.codes;
// languageCode and confidentialityCode copied from the CDA; labels configurable; the writer unit is
// the unit performing the operation. Checked with xpath and with xmllint (a second XML reader), and
// the built frame archived by the real double.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { buildArchiveRequest, framePerformer } from '../../adapters/kanta/message-builder.ts';
import type { FrameOutboundDocument } from '../../adapters/kanta/message-builder.ts';
import { parseActingPersonHeaders } from '../../adapters/cda/acting-person-headers.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import { startKantaDouble } from '../../adapters/kanta-double/server.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { compactSignedForm, readSample } from '../helpers/samples.ts';
import { AP1, ORG_A, UNIT_A, UNIT_P, archiveOk, baseOptions, makeDoc, post, testPki } from '../kanta-double/support/double-fixture.ts';
import { MSG_ROOT, ORG, UNIT, accessPoint, codes, sampleDocument } from './helpers/fixtures.ts';

const select = xpath.useNamespaces({ h: 'urn:hl7-org:v3' });
const WHEN = new Date('2026-09-15T09:06:54Z');
const CAP = '/*/h:controlActProcess';
const CD = `${CAP}/h:subject/h:clinicalDocument`;

function build(doc: FrameOutboundDocument, c = codes(), ap = accessPoint()) {
  return buildArchiveRequest(doc, ap, c, { messageId: { root: MSG_ROOT, extension: String(Date.now()) }, creationTime: WHEN });
}

function dom(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'application/xml') as unknown as Document;
}

function val(doc: Node, path: string): string | undefined {
  const nodes = select(path, doc) as Node[];
  expect(nodes.length, path).to.be.at.most(1);
  const n = nodes[0];
  if (!n) return undefined;
  return n.nodeType === 2 ? (n as Attr).value : (n.textContent ?? '');
}

let xmllintDir: string | undefined;
/** xmllint --xpath over the frame file: an independent reader (libxml2) of the same paths. */
function xmllint(xml: string, expr: string): string {
  xmllintDir ??= mkdtempSync(join(tmpdir(), 'frame-xmllint-'));
  const file = join(xmllintDir, 'frame.xml');
  writeFileSync(file, xml);
  return execFileSync('xmllint', ['--noout', '--xpath', expr, file], { encoding: 'utf8' }).trim();
}
const ln = (path: string) => path.split('/').filter(Boolean).map((p) => (p === '*' ? '*' : `*[local-name()='${p}']`)).join('/');

describe('kanta frame: people, names and codes (issue 13)', () => {
  after(() => { if (xmllintDir) rmSync(xmllintDir, { recursive: true, force: true }); });

  it('carries the CDA author, the patient (statusCode, patientPerson) and organisation names', () => {
    const d = sampleDocument();
    const { xml } = build(d);
    const doc = dom(xml);
    expect(val(doc, `${CD}/h:author[@typeCode="AUT"]/h:time/@nullFlavor`)).to.equal('NA');
    expect(val(doc, `${CD}/h:author/h:assignedAuthor[@classCode="ASSIGNED"]/h:id/@root`)).to.equal('1.2.246.537.26');
    expect(val(doc, `${CD}/h:author/h:assignedAuthor/h:id/@extension`)).to.equal('10000000001');
    expect(val(doc, `${CD}/h:author/h:assignedAuthor/h:assignedPerson[@classCode="PSN"]/h:name/h:family`)).to.equal('Työntekijä');
    expect(val(doc, `${CD}/h:author/h:assignedAuthor/h:assignedPerson/h:name/h:given`)).to.equal('Testi');
    expect(val(doc, `${CD}/h:recordTarget/h:patient/h:statusCode/@code`)).to.equal('normal');
    expect(val(doc, `${CD}/h:recordTarget/h:patient/h:patientPerson[@classCode="PSN"][@determinerCode="INSTANCE"]/h:name/h:family`)).to.equal('Henkilö');
    expect(val(doc, `${CD}/h:custodian/h:assignedCustodian/h:representedOrganization/h:name`)).to.equal('Rekisterinpitäjä');
    // No acting person named: the CDA author acts, in the CDA's unit with its name.
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:id/@extension`)).to.equal('10000000001');
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:assignedPerson/h:name/h:family`)).to.equal('Työntekijä');
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:representedOrganization/h:id/@root`)).to.equal(UNIT);
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:representedOrganization/h:name`)).to.equal('Palveluyksikkö');
    const order = (select(`${CD}/*`, doc) as Element[]).map((e) => e.localName);
    expect(order.slice(-3)).to.deep.equal(['recordTarget', 'author', 'custodian']);
  });

  it('the tenant\'s acting person (REST headers) is the performer; the CDA author stays the author', () => {
    const d = sampleDocument();
    d.metadata.actingPerson = parseActingPersonHeaders({
      'Kanta-Actor-Id': '1.2.246.537.26^25104559650',
      'Kanta-Actor-Family': 'M%C3%A4kinen',
      'Kanta-Actor-Given': 'Aino,Maija',
      'Kanta-Actor-Unit': `${ORG}.40.7`,
      'Kanta-Actor-Unit-Name': 'Perhekeskus%20%C3%84',
    });
    const { xml } = build(d);
    const p = `${ln('controlActProcess/authorOrPerformer/assignedPerson')}`;
    // libxml2 reads the same frame the same way.
    expect(xmllint(xml, `string(/*/${p}/${ln('id')}/@extension)`)).to.equal('25104559650');
    expect(xmllint(xml, `string(/*/${p}/${ln('assignedPerson/name/family')})`)).to.equal('Mäkinen');
    expect(xmllint(xml, `count(/*/${p}/${ln('assignedPerson/name/given')})`)).to.equal('2');
    expect(xmllint(xml, `string(/*/${p}/${ln('representedOrganization/id')}/@root)`)).to.equal(`${ORG}.40.7`);
    expect(xmllint(xml, `string(/*/${p}/${ln('representedOrganization/name')})`)).to.equal('Perhekeskus Ä');
    const cd = ln('controlActProcess/subject/clinicalDocument');
    expect(xmllint(xml, `string(/*/${cd}/${ln('author/assignedAuthor/id')}/@extension)`)).to.equal('10000000001');
    expect(xmllint(xml, `string(/*/${cd}/${ln('recordTarget/patient/statusCode')}/@code)`)).to.equal('normal');
    expect(xmllint(xml, `string(/*/${cd}/${ln('custodian/assignedCustodian/representedOrganization/name')})`)).to.equal('Rekisterinpitäjä');
  });

  it('without a CDA author the acting person is the author too', () => {
    const d = sampleDocument();
    delete d.metadata.author;
    d.metadata.actingPerson = { id: { root: '1.2.246.537.26', extension: '99' }, name: { family: ['Virtanen'], given: [{ value: 'Ville' }] } };
    const doc = dom(build(d).xml);
    expect(val(doc, `${CD}/h:author/h:assignedAuthor/h:id/@extension`)).to.equal('99');
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:id/@extension`)).to.equal('99');
    // No unit named for the person: the CDA's unit performs.
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:representedOrganization/h:id/@root`)).to.equal(UNIT);
  });

  it('an organizer versioning a provider\'s document writes as the organizer (own use), not the provider unit', () => {
    const parent = { id: `${ORG}.95.2026.1.1`, setId: `${ORG}.95.2026.1.1`, versionNumber: 1 };
    const d: FrameOutboundDocument = { ...sampleDocument({ operation: 'version', parent, documentId: `${ORG}.95.2026.1.2` }), decision: { ruleId: 'R-ORGANIZER-VERSIONS-PROVIDER-DOC', writerOrganisation: ORG } };
    expect(framePerformer(d)).to.deep.equal({ unit: ORG, unitName: 'Rekisterinpitäjä' });
    const doc = dom(build(d).xml);
    expect(val(doc, `${CAP}/h:authorOrPerformer/h:assignedPerson/h:representedOrganization/h:id/@root`)).to.equal(ORG);
    expect(val(doc, `${CAP}/h:reasonCode[@codeSystem="1.2.246.537.6.1289.201901"]/@code`)).to.equal('1');
    // A unit the tenant names for the acting person wins (the organizer's own unit).
    d.metadata.actingPerson = { unit: `${ORG}.40.9` };
    expect(framePerformer(d)).to.deep.equal({ unit: `${ORG}.40.9` });
    // Any other decision keeps the CDA's unit.
    expect(framePerformer({ ...sampleDocument(), decision: { ruleId: 'R-OWN-REGISTRY', writerOrganisation: ORG } })?.unit).to.equal(UNIT);
  });

  it('trigger event per operation from kanta.codes.triggerEvents (defaults 102 / 910 / 102)', () => {
    const parent = { id: `${ORG}.95.2026.1.1`, setId: `${ORG}.95.2026.1.1`, versionNumber: 1 };
    const trig = (op: 'archive' | 'version' | 'void', c = codes()) => val(dom(build(sampleDocument(op === 'archive' ? {} : { operation: op, parent }), c).xml), `${CAP}/h:code/@code`);
    expect([trig('archive'), trig('version'), trig('void')]).to.deep.equal(['RCMR_TE000102UV01', 'RCMR_TE000910UV01', 'RCMR_TE000102UV01']);
    const custom = codes({ triggerEvents: { archive: 'RCMR_TE000001UV01', version: 'RCMR_TE000002UV01', void: 'RCMR_TE000003UV01' } });
    expect([trig('archive', custom), trig('version', custom), trig('void', custom)]).to.deep.equal(['RCMR_TE000001UV01', 'RCMR_TE000002UV01', 'RCMR_TE000003UV01']);
    expect(() => codes({ triggerEvents: { void: 'x"/><evil' } })).to.throw();
  });

  it('languageCode and confidentialityCode are copied from the CDA, labels included', () => {
    const d = sampleDocument();
    d.metadata.languageCode = 'sv';
    d.metadata.confidentiality = { code: '7', codeSystem: '1.2.246.777.5.99902.2006', codeSystemName: 'KanTa-palvelut - Asiakirjan luottamuksellisuus', displayName: 'Testiluokka' };
    const doc = dom(build(d).xml);
    expect(val(doc, `${CD}/h:languageCode/@code`)).to.equal('sv');
    expect(val(doc, `${CD}/h:confidentialityCode/@code`)).to.equal('7');
    expect(val(doc, `${CD}/h:confidentialityCode/@displayName`)).to.equal('Testiluokka');
    // What the reader takes from a CDA: the sample document writes fi / 6.
    const plain = dom(build(sampleDocument()).xml);
    expect([val(plain, `${CD}/h:languageCode/@code`), val(plain, `${CD}/h:confidentialityCode/@code`)]).to.deep.equal(['fi', '6']);
  });

  it('codeSystemName/displayName labels as in the public frame, or none when configured off', () => {
    const on = dom(build(sampleDocument()).xml);
    expect(val(on, `${CAP}/h:reasonCode[@code="SP17"]/@codeSystemName`)).to.equal('Sosiaalihuolto - Arkistosanomien palvelupyynnöt');
    expect(val(on, `${CAP}/h:reasonCode[@code="SP17"]/@displayName`)).to.equal('Asiakasasiakirjan arkistointi');
    expect(val(on, `${CAP}/h:reasonCode[@codeSystem="1.2.246.537.6.1289.201901"]/@displayName`)).to.equal('Palvelunjärjestäjän rekisterin oma käyttö');
    expect(val(on, `${CD}/h:code/@displayName`)).to.equal('Sosiaalihuollon asiakasrekisteri');
    expect(val(on, `${CD}/h:completionCode/@displayName`)).to.equal('Legally authenticated');
    expect(val(on, `${CD}/h:storageCode/@codeSystemName`)).to.equal('KanTa-palvelut - Dokumentin arkistointikoodi (DocumentStorage)');
    const off = dom(build(sampleDocument(), codes({ labels: { enabled: false } })).xml);
    expect(select('//@codeSystemName | //@displayName', off)).to.have.length(0);
  });

  it('the public sample asia_S.xml gives the frame the people, names and codes of asia_K.xml', function () {
    const s = readSample('asia_S.xml');
    const k = readSample('asia_K.xml');
    if (!s || !k) return this.skip();
    const cda = compactSignedForm(s);
    const metadata = readDocumentMetadata(parseXmlSafely(cda), new Date('2026-12-02T00:00:00Z'));
    const mine = dom(build({ metadata, signedCda: Buffer.from(cda, 'utf8'), operation: 'archive', usage: 'ownUse' }).xml);
    const real = dom(k.replace(/^\uFEFF/, ''));
    const same = [
      `${CD}/h:recordTarget/h:patient/h:id/@extension`,
      `${CD}/h:recordTarget/h:patient/h:statusCode/@code`,
      `${CD}/h:recordTarget/h:patient/h:patientPerson/h:name/h:family`,
      `${CD}/h:recordTarget/h:patient/h:patientPerson/h:name/h:given[@qualifier="CL"]`,
      `${CD}/h:recordTarget/h:patient/h:patientPerson/h:administrativeGenderCode/@code`,
      `${CD}/h:recordTarget/h:patient/h:patientPerson/h:administrativeGenderCode/@displayName`,
      `${CD}/h:recordTarget/h:patient/h:patientPerson/h:birthTime/@value`,
      `${CD}/h:author/h:assignedAuthor/h:assignedPerson/h:name/h:family`,
      `${CD}/h:author/h:assignedAuthor/h:assignedPerson/h:name/h:given`,
      `${CD}/h:custodian/h:assignedCustodian/h:representedOrganization/h:id/@root`,
      `${CD}/h:custodian/h:assignedCustodian/h:representedOrganization/h:name`,
      `${CD}/h:confidentialityCode/@code`,
      `${CD}/h:confidentialityCode/@codeSystemName`,
      `${CD}/h:confidentialityCode/@displayName`,
      `${CD}/h:code/@displayName`,
      `${CD}/h:completionCode/@displayName`,
      `${CD}/h:storageCode/@displayName`,
      `${CAP}/h:code/@codeSystem`,
      `${CAP}/h:reasonCode[@code="SP17"]/@displayName`,
      `${CAP}/h:reasonCode[@codeSystem="1.2.246.537.6.1289.201901"]/@displayName`,
      `${CAP}/h:authorOrPerformer/h:assignedPerson/h:assignedPerson/h:name/h:family`,
    ];
    for (const path of same) expect(val(mine, path), path).to.equal(val(real, path)).and.not.equal(undefined);
    // Copied from the CDA as written (the CDA says FI; the published frame writes fi).
    expect(val(mine, `${CD}/h:languageCode/@code`)).to.equal('FI');
    // The published frame's author id is the acting person's hetu, which only the tenant can name.
    expect(val(mine, `${CD}/h:author/h:assignedAuthor/h:id/@root`)).to.equal('1.2.246.537.26');
  });

  it('the real double archives a frame built with author, patient and acting person', async () => {
    const double = await startKantaDouble(baseOptions());
    try {
      const test = makeDoc({ custodian: ORG_A, serviceUnit: UNIT_A, signer: testPki().signerA });
      const metadata = readDocumentMetadata(parseXmlSafely(test.bytes.toString('utf8')));
      metadata.actingPerson = parseActingPersonHeaders({ 'kanta-actor-id': '1.2.246.537.26^123', 'kanta-actor-family': 'Virtanen', 'kanta-actor-given': 'Ville', 'kanta-actor-unit': UNIT_A });
      const built = build({ metadata, signedCda: test.bytes, operation: 'archive', usage: 'ownUse' }, codes(), accessPoint({ senderId: AP1, messageIdRoot: AP1, processingCode: 'T' }));
      expect(built.xml).to.include('<patientPerson').and.include('<author typeCode="AUT">');
      const r = await post(double.plainUrl, built.xml, 'plain');
      expect([r.ack, r.code], r.body.slice(0, 800)).to.deep.equal(['AA', undefined]);
    } finally {
      await double.close();
    }
  });

  it('the real double archives an organizer\'s version of a provider\'s document only with the organizer as writer', async () => {
    const double = await startKantaDouble(baseOptions({ now: () => new Date('2026-10-20T09:00:00Z') }));
    try {
      // The organizer's asiakkuusasiakirja gave provider unit UNIT_P a right in September; it has ended.
      await archiveOk(double.url, makeDoc({ documentGroup: '1', rights: { '24': [{ unit: UNIT_P, start: '2026-09-01', end: '2026-09-30' }] } }));
      const v1 = makeDoc({ custodian: ORG_A, serviceUnit: UNIT_P, signer: testPki().signerP });
      await archiveOk(double.url, v1, { unit: UNIT_P, usageSituations: ['2'] });
      const v2 = makeDoc({ custodian: ORG_A, serviceUnit: UNIT_P, setId: v1.meta.id, versionNumber: 2, parent: { id: v1.meta.id, setId: v1.meta.id, versionNumber: 1 } });
      const metadata = readDocumentMetadata(parseXmlSafely(v2.bytes.toString('utf8')));
      const ap = accessPoint({ senderId: AP1, messageIdRoot: AP1 });
      const send = (doc: FrameOutboundDocument) => post(double.plainUrl, build(doc, codes(), ap).xml, 'plain');
      const base: FrameOutboundDocument = { metadata, signedCda: v2.bytes, operation: 'version', usage: 'ownUse' };
      // Written as the provider unit the CDA still names, own use is refused by the archive ...
      expect((await send(base)).code).to.equal('REGISTRY_FOREIGN_CUSTODIAN');
      // ... written as the organizer performing the operation, it is archived.
      const r = await send({ ...base, decision: { ruleId: 'R-ORGANIZER-VERSIONS-PROVIDER-DOC', writerOrganisation: ORG_A } });
      expect([r.ack, r.code], r.body.slice(0, 800)).to.deep.equal(['AA', undefined]);
    } finally {
      await double.close();
    }
  });

  describe('acting-person headers (parseActingPersonHeaders)', () => {
    it('none given is undefined; a single header works; names are percent-decoded UTF-8', () => {
      expect(parseActingPersonHeaders({ 'content-type': 'application/xml' })).to.equal(undefined);
      expect(parseActingPersonHeaders({ 'kanta-actor-id': '1.2.246.537.26^42' })).to.deep.equal({ id: { root: '1.2.246.537.26', extension: '42' } });
      expect(parseActingPersonHeaders({ 'kanta-actor-family': '%C3%85str%C3%B6m', 'kanta-actor-given': 'Eva,Lotta' })).to.deep.equal({
        name: { family: ['Åström'], given: [{ value: 'Eva' }, { value: 'Lotta' }] },
      });
    });

    it('bad values are INTAKE_INVALID_FIELD naming the header, never the value', () => {
      const bad: Array<Record<string, string | string[]>> = [
        { 'kanta-actor-id': 'no-caret' },
        { 'kanta-actor-id': 'x.y^1' },
        { 'kanta-actor-id': '1.2.246.21^010180B9004' }, // a future-born hetu is not valid
        { 'kanta-actor-id': ['1.2.3^1', '1.2.3^2'] },
        { 'kanta-actor-family': 'Virtanen' },
        { 'kanta-actor-family': '%E0%A4%A', 'kanta-actor-given': 'x' },
        { 'kanta-actor-family': '%3Cevil%3E', 'kanta-actor-given': 'x' },
        { 'kanta-actor-unit': 'not-an-oid', 'kanta-actor-id': '1.2.3^1' },
        { 'kanta-actor-unit-name': 'X', 'kanta-actor-id': '1.2.3^1' },
        { 'kanta-actor-unit': '1.2.3' },
      ];
      for (const h of bad) {
        let err: unknown;
        try {
          parseActingPersonHeaders(h);
        } catch (e) {
          err = e;
        }
        expect(errorCodeOf(err), JSON.stringify(h)).to.equal('INTAKE_INVALID_FIELD');
        expect((err as Error).message).not.to.include('010180B9004');
      }
    });
  });
});
