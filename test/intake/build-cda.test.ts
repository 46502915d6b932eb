// The CDA builder is pure: what it writes, read-metadata reads back as the submitted values; every
// value is escaped; the same input gives the same bytes; and the public sample's fields come out as the
// sample has them when the JSON carries them.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { buildCda, xhtmlWithRootId, type CdaBuildInput } from '../../adapters/cda/build-cda.ts';
import { readBodyJson, readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { CLIENT_RELATIONSHIP_EXAMPLE, CLIENT_PLAN_VERSION_EXAMPLE, type JsonDocumentSubmissionInput } from '../../adapters/intake/json-document-schema.ts';
import { GATEWAY_SOFTWARE } from '../../adapters/intake/json-document.ts';
import { NS, child, children, parseXmlSafely, walk } from '../../adapters/xml/safe-parse.ts';
import { parsed, planSubmission } from './support/json-fixtures.ts';
import { sampleOrSkip } from '../helpers/shared-material.ts';

const ID = '1.2.246.10.11111111.95.2026.7';
const names = { custodian: 'Esimerkin hyvinvointialue', organizer: 'Esimerkin hyvinvointialue', serviceUnit: 'Lapsiperheiden sosiaalityö' };

function build(input: JsonDocumentSubmissionInput, over: Partial<CdaBuildInput> = {}): Buffer {
  return buildCda({ submission: parsed(input), ids: { documentId: ID, setId: ID, versionNumber: 1 }, names, software: GATEWAY_SOFTWARE, ...over });
}

const dom = (b: Buffer) => parseXmlSafely(b.toString('utf8'));
const xhtmlOf = (doc: Document) => Buffer.from((walk(doc.documentElement, 'component', 'nonXMLBody', 'text')!.textContent ?? '').trim(), 'base64').toString('utf8');

describe('CDA builder (JSON → CDA R2)', () => {
  it('is read back by read-metadata into the submitted values', () => {
    const input = planSubmission({ caseId: '1.2.246.10.11111111.96.5', clientRelationshipId: '1.2.246.10.11111111.77.1' });
    const cda = build(input);
    const meta = readDocumentMetadata(dom(cda));
    // The submitted values come back; what read-metadata reads besides (author, patient, names) is checked in its own tests.
    expect(meta).to.deep.include({
      documentId: ID,
      setId: ID,
      versionNumber: 1,
      custodian: input.organizer,
      custodianName: names.custodian,
      outsourcingServiceCustomer: input.organizer,
      serviceUnit: input.serviceUnit,
      responsibleOrganisation: input.organizer,
      functionCode: '24',
      documentGroup: '5',
      documentTypeCode: '15',
      specificDocumentType: '15007',
      registryType: '1',
      client: { root: '1.2.246.21', extension: input.client.hetu },
      effectiveTime: '20260915120000+0300',
      documentDate: '2026-09-15',
      clientRelationshipId: '1.2.246.10.11111111.77.1',
      caseId: '1.2.246.10.11111111.96.5',
      bodyId: `OID${ID}`,
      signatures: [],
    });
    const doc = dom(cda);
    expect(readBodyJson(doc)).to.deep.equal(input.body.json);
    expect(xhtmlOf(doc)).to.equal(xhtmlWithRootId(input.body.xhtml, ID));
    expect(xhtmlOf(doc)).to.contain(`<div id="OID${ID}" class="soc-document"`);
  });

  it('writes a new version with relatedDocument RPLC naming the parent', () => {
    const v = CLIENT_PLAN_VERSION_EXAMPLE.version;
    const cda = build(CLIENT_PLAN_VERSION_EXAMPLE, { ids: { documentId: ID, setId: v.setId, versionNumber: 2, parent: { id: v.parentId, setId: v.setId, versionNumber: 1 } } });
    const meta = readDocumentMetadata(dom(cda));
    expect(meta).to.include({ documentId: ID, setId: v.setId, versionNumber: 2 });
    expect(meta.parent).to.deep.equal({ id: v.parentId, setId: v.setId, versionNumber: 1 });
  });

  it('writes an asiakkuusasiakirja with code nullFlavor NA and its right-bearing JSON part', () => {
    const doc = dom(build(CLIENT_RELATIONSHIP_EXAMPLE));
    const meta = readDocumentMetadata(doc);
    expect(meta.documentGroup).to.equal('1');
    expect(meta).to.not.have.property('documentTypeCode');
    expect(walk(doc.documentElement, 'code')!.getAttribute('nullFlavor')).to.equal('NA');
    expect(readBodyJson(doc)).to.deep.equal(CLIENT_RELATIONSHIP_EXAMPLE.body.json);
  });

  it('escapes every value: markup, quotes, ampersands, tabs and line breaks come back as sent', () => {
    const nasty = 'A & B <c> "d" \'e\'\tf\r\ng ]]> &amp;';
    const input = planSubmission({
      client: { ...planSubmission().client, name: { given: [nasty], family: nasty } },
      author: { id: { root: '1.2.246.537.26', extension: '10000000001' }, name: { given: [nasty], family: nasty } },
      display: { specialContent: true, restrictionArgument: nasty, restrictionReason: { code: '1', displayName: nasty } },
      specificDocumentType: { code: '15007', displayName: nasty },
    });
    const cda = build(input, { names: { custodian: nasty, organizer: nasty, serviceUnit: nasty } });
    const doc = dom(cda);
    const root = doc.documentElement;
    const h = child(root, NS.hl7fi, 'localSocialHeader')!;
    expect(walk(root, 'recordTarget', 'patientRole', 'patient', 'name', 'family')!.textContent).to.equal(nasty);
    expect(walk(root, 'recordTarget', 'patientRole', 'patient', 'name', 'given')!.textContent).to.equal(nasty);
    expect(walk(root, 'author', 'assignedAuthor', 'assignedPerson', 'name', 'family')!.textContent).to.equal(nasty);
    expect(walk(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name')!.textContent).to.equal(nasty);
    expect(child(h, NS.hl7fi, 'outsourcingServiceCustomerName')!.textContent).to.equal(nasty);
    expect(child(h, NS.hl7fi, 'authorizationRestrictionArgument')!.textContent).to.equal(nasty);
    expect(child(h, NS.hl7fi, 'specificDocumentType')!.getAttribute('displayName')).to.equal(nasty);
    expect(child(h, NS.hl7fi, 'inaccessibleArgument')!.getAttribute('displayName')).to.equal(nasty);
    expect(child(h, NS.hl7fi, 'specialContent')!.getAttribute('code')).to.equal('K');
    // Nothing the client sent became markup: exactly the elements the builder writes.
    expect(children(root, NS.hl7, 'recordTarget')).to.have.length(1);
    expect(cda.toString('utf8')).to.not.contain('<c>');
  });

  it('keeps the client\'s XHTML bytes and only adds the root id', () => {
    const xhtml = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- näkymä -->\n<div title="a &gt; b" class="soc-document" xmlns="http://www.w3.org/1999/xhtml"><p>x &amp; y</p></div>';
    expect(xhtmlWithRootId(xhtml, ID)).to.equal(xhtml.replace('<div title', `<div id="OID${ID}" title`));
  });

  it('is byte-stable: the same submission and ids give the same bytes', () => {
    const input = planSubmission();
    expect(build(input).equals(build(structuredClone(input)))).to.equal(true);
    expect(build(input).equals(build(input, { ids: { documentId: `${ID}1`, setId: `${ID}1`, versionNumber: 1 } }))).to.equal(false);
  });

  describe('reproduces the public sample asia_S.xml where the JSON carries its fields', () => {
    // The sample's values, as a client system would submit them.
    const sample: JsonDocumentSubmissionInput = {
      documentGroup: { code: '5', displayName: 'Toisen tai myöhemmän vaiheen asiakasasiakirja' },
      documentType: { code: '15', displayName: 'Suunnitelma' },
      specificDocumentType: { code: '15007', displayName: 'Lapsiperheiden palvelujen asiakassuunnitelma' },
      client: { hetu: '180418A903L', name: { given: ['Kanta-Hakuat'], family: 'Sosh-Aik' }, birthDate: '2018-04-18', gender: { code: '1', displayName: 'Mies' } },
      organizer: '1.2.246.10.2012566.10.40',
      serviceUnit: '1.2.246.10.2012566.10.40006775',
      serviceTask: { code: '24', displayName: 'Lapsiperheiden palvelut' },
      serviceProcess: { code: '3', displayName: 'Asiakkuuden suunnittelu' },
      effectiveTime: '2026-03-23T10:54:24+02:00',
      author: { id: { root: '1.2.246.537.26', extension: '25104559650' }, name: { given: ['Angelica'], family: 'Johansson' } },
      caseId: undefined,
      display: { specialContent: true, restrictionArgument: 'Viivästys 1', restrictionReason: { code: '1', displayName: 'Asiakirjan näyttämisestä aiheutuu vaaraa asiakkaan terveydelle tai kehitykselle' } },
      guardianConsent: { code: '1', displayName: 'Alaikäisen asiakkaan asiakirja voidaan luovuttaa huoltajille ja muille tiedonsaantiin oikeutetuille, koska alaikäinen ei kiellä asiakirjan luovuttamista' },
      retentionClass: { code: '1', displayName: 'Säilytetään pysyvästi' },
      registryType: { code: '1', displayName: 'Sosiaalihuollon asiakasrekisteri' },
      contentSpecificationId: '1.2.246.537.6.1506.15007.2024.11.28',
      language: 'FI',
      body: { xhtml: '<div class="soc-document" xmlns="http://www.w3.org/1999/xhtml"/>', json: {} },
    };
    delete (sample as { caseId?: unknown }).caseId;
    const sampleId = '1.2.246.10.2012566.95.2026.688883.2655274';
    const helsinki = 'Helsingin sosiaali- ja terveystoimi';
    const unitName = 'Lapsiperheiden sosiaaliohjaus Vuosaaren perhekeskus 1, Helsingin sotepe';
    let original: Document;
    let built: Document;
    before(function () {
      original = parseXmlSafely(readFileSync(sampleOrSkip(this as unknown as Mocha.Context, 'asia_S.xml'), 'utf8'));
      built = dom(buildCda({ submission: parsed(sample), ids: { documentId: sampleId, setId: sampleId, versionNumber: 1 }, names: { custodian: helsinki, organizer: helsinki, serviceUnit: unitName }, software: { moderator: 'Epic Systems Corporation', product: 'Apotti', version: '11.7.0' } }));
    });

    it('gives the same header values to read-metadata (except the signatures the sample carries)', () => {
      // The sample repeats the given name as the calling name (qualifier CL), which the JSON form has no field for.
      const { signatures: s1, patient: p1, ...a } = readDocumentMetadata(original);
      const { signatures: s2, patient: p2, ...b } = readDocumentMetadata(built);
      expect(p2?.name?.family).to.deep.equal(p1?.name?.family);
      expect(s1).to.have.length(2);
      expect(s2).to.deep.equal([]);
      expect(b).to.deep.equal(a);
    });

    it('writes every coded header element with the sample\'s code, code system, name and display', () => {
      const fields = ['code', 'codeSystem', 'codeSystemName', 'displayName', 'value', 'root', 'extension', 'nullFlavor', 'moderator', 'product', 'version'];
      const facts = (doc: Document, path: string[]) => {
        let el: Element | undefined = doc.documentElement;
        for (const step of path) el = step.startsWith('hl7fi:') ? child(el, NS.hl7fi, step.slice(6)) : child(el, NS.hl7, step);
        expect(el, path.join('/')).to.not.equal(undefined);
        const attrsOf = Object.fromEntries(fields.filter((f) => el!.hasAttribute(f)).map((f) => [f, el!.getAttribute(f)]));
        return el!.childNodes.length && !Array.from(el!.childNodes).some((n) => n.nodeType === 1) ? { ...attrsOf, text: (el!.textContent ?? '').trim() } : attrsOf;
      };
      const paths = [
        ['realmCode'], ['typeId'], ['id'], ['code'], ['effectiveTime'], ['confidentialityCode'], ['languageCode'], ['setId'], ['versionNumber'],
        ['recordTarget', 'patientRole', 'id'], ['recordTarget', 'patientRole', 'patient', 'name', 'family'], ['recordTarget', 'patientRole', 'patient', 'name', 'given'],
        ['recordTarget', 'patientRole', 'patient', 'administrativeGenderCode'], ['recordTarget', 'patientRole', 'patient', 'birthTime'],
        ['author', 'time'], ['author', 'assignedAuthor', 'id'], ['author', 'assignedAuthor', 'assignedPerson', 'name', 'given'], ['author', 'assignedAuthor', 'assignedPerson', 'name', 'family'],
        ['custodian', 'assignedCustodian', 'representedCustodianOrganization', 'id'], ['custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name'],
        ['authorization', 'consent', 'code'], ['authorization', 'consent', 'statusCode'],
        ['componentOf', 'encompassingEncounter', 'effectiveTime'],
        ['componentOf', 'encompassingEncounter', 'responsibleParty', 'assignedEntity', 'representedOrganization', 'id'],
        ['componentOf', 'encompassingEncounter', 'responsibleParty', 'assignedEntity', 'representedOrganization', 'name'],
        ['componentOf', 'encompassingEncounter', 'encounterParticipant', 'assignedEntity', 'representedOrganization', 'id'],
        ['componentOf', 'encompassingEncounter', 'encounterParticipant', 'assignedEntity', 'representedOrganization', 'name'],
        ...['specificDocumentType', 'creationTime', 'documentGroup', 'fileFormat', 'structuredFileFormat', 'softwareSupport', 'functionCode', 'recordStatus', 'registryType', 'outsourcingServiceCustomer', 'outsourcingServiceCustomerName', 'totalRetentionPeriodClass', 'specialContent', 'contentSpecificationId', 'authorizationRestrictionArgument', 'inaccessibleArgument'].map((n) => ['hl7fi:localSocialHeader', `hl7fi:${n}`]),
        ['hl7fi:localSocialHeader', 'hl7fi:serviceProcess', 'hl7fi:type'], ['hl7fi:localSocialHeader', 'hl7fi:serviceProcess', 'hl7fi:code'],
      ];
      for (const p of paths) expect(facts(built, p), p.join('/')).to.deep.equal(facts(original, p));
    });
  });
});
