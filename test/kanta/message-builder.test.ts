import { expect } from 'chai';
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { buildArchiveRequest, serviceRequestCode } from '../../adapters/kanta/message-builder.ts';
import { buildMultipartRelated, parseMultipartRelated } from '../../adapters/kanta/mime.ts';
import { formatHl7Timestamp } from '../../adapters/kanta/hl7-time.ts';
import { newMessageIdExtension } from '../../adapters/kanta/message-id.ts';
import { buildClientRelationshipQuery } from '../../adapters/kanta/query-builder.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import type { OutboundDocument } from '../../adapters/kanta/outbound-document.ts';
import { HETU, MSG_ROOT, ORG, SENDER, UNIT, accessPoint, codes, sampleDocument } from './helpers/fixtures.ts';

const select = xpath.useNamespaces({ h: 'urn:hl7-org:v3' });
const WHEN = new Date('2026-09-15T09:06:54Z'); // 12:06:54 in Helsinki (EEST, +0300)
const MESSAGE_ID = { root: MSG_ROOT, extension: '17580000000001234567' };

function parse(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: { warning: (m: string) => errors.push(m), error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) } }).parseFromString(xml, 'application/xml');
  expect(errors, 'built XML must be well-formed').to.deep.equal([]);
  return doc as unknown as Document;
}

function one(doc: Node, path: string): Element {
  const nodes = select(path, doc) as Element[];
  expect(nodes, path).to.have.length(1);
  return nodes[0]!;
}

function attrOf(doc: Node, path: string, name: string): string | null {
  return one(doc, path).getAttribute(name);
}

function build(doc: OutboundDocument, c = codes()) {
  return buildArchiveRequest(doc, accessPoint(), c, { messageId: MESSAGE_ID, creationTime: WHEN });
}

function frameOf(xml: string, interaction: string) {
  const doc = parse(xml);
  const root = `/h:${interaction}`;
  const cd = `${root}/h:controlActProcess/h:subject/h:clinicalDocument`;
  return { doc, root, cd };
}

describe('kanta message builder (kanta-binding.md §2)', () => {
  it('archive, documentGroup 5: every element and attribute of the contract, SP17, own use', () => {
    const d = sampleDocument({ group: '5' });
    // The minimal frame: a CDA without author and person details, no acting person named.
    delete d.metadata.author;
    delete d.metadata.patient;
    const built = build(d);
    expect(built.interactionId).to.equal('RCMR_IN200002FI01');
    expect(built.messageId).to.deep.equal(MESSAGE_ID);
    const { doc, root, cd } = frameOf(built.xml, 'RCMR_IN200002FI01');
    expect(doc.documentElement.getAttribute('ITSVersion')).to.equal('XML_1.0');
    expect(attrOf(doc, `${root}/h:id`, 'root')).to.equal(MSG_ROOT);
    expect(attrOf(doc, `${root}/h:id`, 'extension')).to.equal(MESSAGE_ID.extension);
    expect(attrOf(doc, `${root}/h:creationTime`, 'value')).to.equal('20260915120654+0300');
    expect(attrOf(doc, `${root}/h:versionCode`, 'code')).to.equal('V3-2006');
    expect(attrOf(doc, `${root}/h:interactionId`, 'root')).to.equal('2.16.840.1.113883.1.6');
    expect(attrOf(doc, `${root}/h:interactionId`, 'extension')).to.equal('RCMR_IN200002FI01');
    expect(attrOf(doc, `${root}/h:processingCode`, 'code')).to.equal('P');
    expect(attrOf(doc, `${root}/h:processingModeCode`, 'code')).to.equal('T');
    expect(attrOf(doc, `${root}/h:acceptAckCode`, 'code')).to.equal('ER');
    expect(attrOf(doc, `${root}/h:receiver[@typeCode="RCV"]/h:device[@classCode="DEV"][@determinerCode="INSTANCE"]/h:id`, 'root')).to.equal('1.2.246.556.18007.2');
    expect(attrOf(doc, `${root}/h:sender[@typeCode="SND"]/h:device[@classCode="DEV"][@determinerCode="INSTANCE"]/h:id`, 'root')).to.equal(SENDER);

    const cap = `${root}/h:controlActProcess[@classCode="CACT"][@moodCode="EVN"]`;
    expect(attrOf(doc, `${cap}/h:code`, 'code')).to.equal('RCMR_TE000102UV01');
    expect(attrOf(doc, `${cap}/h:code`, 'codeSystem')).to.equal('2.16.840.1.113883.1.18');
    expect(attrOf(doc, `${cap}/h:priorityCode`, 'code')).to.equal('R');
    expect(attrOf(doc, `${cap}/h:reasonCode[@codeSystem="1.2.246.537.6.1503.201601"]`, 'code')).to.equal('SP17');
    expect(attrOf(doc, `${cap}/h:reasonCode[@codeSystem="1.2.246.537.6.1289.201901"]`, 'code')).to.equal('1');
    expect(select(`${cap}/h:reasonCode`, doc)).to.have.length(2);
    expect(one(doc, `${cap}/h:authorOrPerformer[@typeCode="AUT"]/h:assignedPerson/h:id`).getAttribute('nullFlavor')).to.equal('NA');
    expect(attrOf(doc, `${cap}/h:authorOrPerformer/h:assignedPerson/h:representedOrganization/h:id`, 'root')).to.equal(UNIT);

    one(doc, `${cd}[@classCode="DOCCLIN"][@moodCode="EVN"]`);
    expect(attrOf(doc, `${cd}/h:realmCode`, 'code')).to.equal('FI');
    expect(attrOf(doc, `${cd}/h:typeId`, 'extension')).to.equal('POCD_HD000040');
    expect(attrOf(doc, `${cd}/h:typeId`, 'root')).to.equal('2.16.840.1.113883.1.3');
    expect(attrOf(doc, `${cd}/h:id`, 'root')).to.equal(d.metadata.documentId);
    expect(attrOf(doc, `${cd}/h:code`, 'code')).to.equal('1');
    expect(attrOf(doc, `${cd}/h:code`, 'codeSystem')).to.equal('1.2.246.537.6.1264.201701');
    expect(attrOf(doc, `${cd}/h:text`, 'mediaType')).to.equal('multipart/related');
    expect(attrOf(doc, `${cd}/h:statusCode`, 'code')).to.equal('COMPLETED');
    expect(attrOf(doc, `${cd}/h:effectiveTime`, 'value')).to.equal('20260915120000+0300');
    expect(attrOf(doc, `${cd}/h:confidentialityCode`, 'code')).to.equal('6');
    expect(attrOf(doc, `${cd}/h:confidentialityCode`, 'codeSystem')).to.equal('1.2.246.777.5.99902.2006');
    expect(attrOf(doc, `${cd}/h:languageCode`, 'code')).to.equal('fi');
    expect(attrOf(doc, `${cd}/h:setId`, 'root')).to.equal(d.metadata.setId);
    expect(attrOf(doc, `${cd}/h:versionNumber`, 'value')).to.equal('1');
    expect(attrOf(doc, `${cd}/h:completionCode`, 'code')).to.equal('LA');
    expect(attrOf(doc, `${cd}/h:completionCode`, 'codeSystem')).to.equal('1.2.246.537.5.40115.2006');
    expect(attrOf(doc, `${cd}/h:storageCode`, 'code')).to.equal('AC');
    expect(attrOf(doc, `${cd}/h:storageCode`, 'codeSystem')).to.equal('1.2.246.537.5.40116.2006');
    expect(attrOf(doc, `${cd}/h:recordTarget[@typeCode="RCT"]/h:patient[@classCode="PAT"]/h:id`, 'root')).to.equal('1.2.246.21');
    expect(attrOf(doc, `${cd}/h:recordTarget/h:patient/h:id`, 'extension')).to.equal(HETU);
    expect(
      attrOf(doc, `${cd}/h:custodian[@typeCode="CST"]/h:assignedCustodian[@classCode="ASSIGNED"]/h:representedOrganization[@classCode="ORG"][@determinerCode="INSTANCE"]/h:id`, 'root'),
    ).to.equal(ORG);
    expect(select(`${cd}/h:relatedDocument`, doc)).to.have.length(0);
    // Element order of the contract (HL7 V3 schemas are sequences).
    const order = (select(`${cd}/*`, doc) as Element[]).map((e) => e.localName);
    expect(order).to.deep.equal(['realmCode', 'typeId', 'id', 'code', 'text', 'statusCode', 'effectiveTime', 'confidentialityCode', 'languageCode', 'setId', 'versionNumber', 'completionCode', 'storageCode', 'recordTarget', 'custodian']);
    const top = (select(`${root}/*`, doc) as Element[]).map((e) => e.localName);
    expect(top).to.deep.equal(['id', 'creationTime', 'versionCode', 'interactionId', 'processingCode', 'processingModeCode', 'acceptAckCode', 'receiver', 'sender', 'controlActProcess']);
  });

  it('archive, documentGroup 1 (asiakkuusasiakirja) uses SP1', () => {
    const built = build(sampleDocument({ group: '1' }));
    const { doc, root } = frameOf(built.xml, 'RCMR_IN200002FI01');
    expect(attrOf(doc, `${root}/h:controlActProcess/h:reasonCode[@codeSystem="1.2.246.537.6.1503.201601"]`, 'code')).to.equal('SP1');
  });

  it('registry-right use writes käyttötilanne 2', () => {
    const built = build(sampleDocument({ usage: 'registryRight' }));
    const { doc, root } = frameOf(built.xml, 'RCMR_IN200002FI01');
    expect(attrOf(doc, `${root}/h:controlActProcess/h:reasonCode[@codeSystem="1.2.246.537.6.1289.201901"]`, 'code')).to.equal('2');
  });

  it('version: RCMR_IN200016FI01, SP18 (group 5) / SP2 (group 1), RPLC to the parent', () => {
    const parent = { id: `${ORG}.95.2026.1.1`, setId: `${ORG}.95.2026.1.1`, versionNumber: 1 };
    for (const [group, sp] of [['5', 'SP18'], ['1', 'SP2']] as const) {
      const d = sampleDocument({ group, operation: 'version', parent, documentId: `${ORG}.95.2026.1.2` });
      const built = build(d);
      expect(built.interactionId).to.equal('RCMR_IN200016FI01');
      const { doc, root, cd } = frameOf(built.xml, 'RCMR_IN200016FI01');
      expect(attrOf(doc, `${root}/h:interactionId`, 'extension')).to.equal('RCMR_IN200016FI01');
      expect(attrOf(doc, `${root}/h:controlActProcess/h:reasonCode[@codeSystem="1.2.246.537.6.1503.201601"]`, 'code')).to.equal(sp);
      expect(attrOf(doc, `${cd}/h:versionNumber`, 'value')).to.equal('2');
      const pd = `${cd}/h:relatedDocument[@typeCode="RPLC"]/h:parentDocument`;
      expect(attrOf(doc, `${pd}/h:id`, 'root')).to.equal(parent.id);
      expect(attrOf(doc, `${pd}/h:setId`, 'root')).to.equal(parent.setId);
      expect(attrOf(doc, `${pd}/h:versionNumber`, 'value')).to.equal('1');
      expect((select(`${cd}/*`, doc) as Element[]).at(-1)!.localName).to.equal('relatedDocument');
    }
  });

  it('void: RCMR_IN200017FI01, SP19, RPLC', () => {
    const parent = { id: `${ORG}.95.2026.1.7`, setId: `${ORG}.95.2026.1.5`, versionNumber: 3 };
    const built = build(sampleDocument({ operation: 'void', parent }));
    const { doc, root, cd } = frameOf(built.xml, 'RCMR_IN200017FI01');
    expect(attrOf(doc, `${root}/h:controlActProcess/h:reasonCode[@codeSystem="1.2.246.537.6.1503.201601"]`, 'code')).to.equal('SP19');
    expect(attrOf(doc, `${cd}/h:relatedDocument[@typeCode="RPLC"]/h:parentDocument/h:versionNumber`, 'value')).to.equal('3');
    expect(attrOf(doc, `${cd}/h:relatedDocument/h:parentDocument/h:setId`, 'root')).to.equal(parent.setId);
  });

  it('a version or void without an RPLC parent is a coded error, not a frame', () => {
    for (const operation of ['version', 'void'] as const) {
      const d = sampleDocument({ operation });
      expect(() => build(d)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'INTAKE_MISSING_FIELD');
    }
  });

  it('a missing service unit or empty CDA bytes are coded errors', () => {
    const d = sampleDocument();
    delete d.metadata.serviceUnit;
    expect(() => build(d)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'INTAKE_MISSING_FIELD');
    const e = sampleDocument();
    e.signedCda = Buffer.alloc(0);
    expect(() => build(e)).to.throw().that.satisfies((x: unknown) => errorCodeOf(x) === 'QUEUE_PAYLOAD_MISSING');
  });

  it('palvelupyyntö falls back to "*", and a table without it is CONFIG_INVALID', () => {
    expect(serviceRequestCode(codes(), 'archive', '9')).to.equal('SP17');
    const c = codes({ serviceRequest: { archive: { '1': 'SP1' }, version: { '*': 'SP18' }, void: { '*': 'SP19' } } });
    expect(() => serviceRequestCode(c, 'archive', '5')).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'CONFIG_INVALID');
  });

  it('an interaction id that is not an HL7 artefact name is CONFIG_INVALID (it becomes the root element)', () => {
    const c = codes({ interactions: { archive: 'x><evil' } });
    expect(() => build(sampleDocument(), c)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'CONFIG_INVALID');
  });

  describe('MIME payload', () => {
    it('decodes to the exact input bytes: CRLF, non-ASCII, 76-character Base64 lines, Content-ID = document id', () => {
      const d = sampleDocument();
      const cda = Buffer.from(d.signedCda.toString('utf8').replace(/\n/g, '\r\n').replace('Testi', 'Tëstï € 𝄞 åäö'), 'utf8');
      expect(cda.includes(Buffer.from('\r\n'))).to.equal(true);
      d.signedCda = cda;
      const built = build(d);
      const { doc, cd } = frameOf(built.xml, 'RCMR_IN200002FI01');
      const text = one(doc, `${cd}/h:text`).textContent ?? '';
      // The text content, as any XML reader sees it, has CRLF line ends (CR travels as &#13;).
      expect(text.split('\n').slice(0, -1).every((l) => l.endsWith('\r'))).to.equal(true);
      const lines = text.split('\r\n');
      expect(lines[0]).to.equal('MIME-Version: 1.0');
      const boundary = /boundary="([^"]+)"/.exec(lines[1]!)![1]!;
      expect(lines[1]).to.equal(`Content-Type: multipart/related; boundary="${boundary}"; type="text/xml"`);
      expect(lines[2]).to.equal('');
      expect(lines[3]).to.equal(`--${boundary}`);
      expect(lines.slice(4, 8)).to.deep.equal(['Content-Type: text/xml; charset=UTF-8', 'Content-Transfer-Encoding: BASE64', `Content-ID: <${d.metadata.documentId}>`, '']);
      const end = lines.indexOf(`--${boundary}--`);
      const b64Lines = lines.slice(8, end);
      expect(b64Lines.slice(0, -1).every((l) => l.length === 76)).to.equal(true);
      expect(b64Lines.at(-1)!.length).to.be.within(1, 76);
      // Independent decode (no adapter code) ...
      expect(Buffer.from(b64Lines.join(''), 'base64').equals(cda)).to.equal(true);
      // ... and the adapter's own reader agrees.
      const parts = parseMultipartRelated(text);
      expect(parts).to.have.length(1);
      expect(parts[0]!.contentId).to.equal(d.metadata.documentId);
      expect(parts[0]!.body.equals(cda)).to.equal(true);
    });

    it('reads LF-only MIME and lower-case headers (tolerant reader)', () => {
      const bytes = Buffer.from('<a>ä</a>\n', 'utf8');
      const text = buildMultipartRelated('1.2.3', bytes, 'b1').replace(/\r\n/g, '\n').replace('Content-Transfer-Encoding: BASE64', 'content-transfer-encoding: base64');
      const [part] = parseMultipartRelated(text);
      expect(part!.body.equals(bytes)).to.equal(true);
      expect(part!.contentId).to.equal('1.2.3');
    });

    it('refuses broken MIME as KANTA_BAD_RESPONSE', () => {
      const good = buildMultipartRelated('1.2.3', Buffer.from('x'), 'b1');
      for (const broken of [good.replace('--b1--', ''), good.replace(/boundary="b1"/, ''), good.replace(/^eA==$/m, 'e!A=')]) {
        expect(() => parseMultipartRelated(broken)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'KANTA_BAD_RESPONSE');
      }
    });
  });

  describe('escaping', () => {
    it('hostile attribute values survive as data and add no elements', () => {
      const d = sampleDocument();
      const hostile = `1.2"/><evil a='x'>&amp;<![CDATA[ ]]>\t\n`;
      d.metadata.effectiveTime = hostile;
      d.metadata.custodian = `<custodian>&"'`;
      d.metadata.client = { root: '1.2.246.21', extension: '"/></patient><x/>' };
      const built = build(d);
      const { doc, cd } = frameOf(built.xml, 'RCMR_IN200002FI01');
      expect(attrOf(doc, `${cd}/h:effectiveTime`, 'value')).to.equal(hostile);
      expect(attrOf(doc, `${cd}/h:custodian/h:assignedCustodian/h:representedOrganization/h:id`, 'root')).to.equal(`<custodian>&"'`);
      expect(attrOf(doc, `${cd}/h:recordTarget/h:patient/h:id`, 'extension')).to.equal('"/></patient><x/>');
      expect(select('//*[local-name()="evil" or local-name()="x"]', doc)).to.have.length(0);
    });

    it('a character XML cannot carry is a coded error', () => {
      const d = sampleDocument();
      d.metadata.setId = '1.2.3\u0001';
      expect(() => build(d)).to.throw().that.satisfies((e: unknown) => errorCodeOf(e) === 'INTAKE_INVALID_FIELD');
    });
  });

  describe('helpers', () => {
    it('creationTime is Finnish local time with its offset (summer +0300, winter +0200)', () => {
      expect(formatHl7Timestamp(new Date('2026-07-17T10:06:54.900Z'))).to.equal('20260717130654+0300');
      expect(formatHl7Timestamp(new Date('2026-03-23T08:54:30Z'))).to.equal('20260323105430+0200');
      expect(formatHl7Timestamp(new Date('2026-12-31T22:30:00Z'))).to.equal('20270101003000+0200');
    });

    it('creationTime kept for the same second only (the cached answer never outlives its second)', () => {
      expect(formatHl7Timestamp(new Date('2026-03-29T00:59:59.100Z'))).to.equal('20260329025959+0200');
      expect(formatHl7Timestamp(new Date('2026-03-29T00:59:59.999Z'))).to.equal('20260329025959+0200');
      // The summer-time change: the next second is an hour later in wall-clock time.
      expect(formatHl7Timestamp(new Date('2026-03-29T01:00:00.000Z'))).to.equal('20260329040000+0300');
    });

    it('message id extensions are digits and unique under a burst', () => {
      const ids = new Set<string>();
      const now = Date.now();
      for (let i = 0; i < 5000; i++) ids.add(newMessageIdExtension(now));
      expect(ids.size).to.equal(5000);
      for (const id of ids) expect(id).to.match(/^\d{22}$/);
    });
  });

  it('query "Hae asiakkuus" (§5): wrapper, asking unit, query parameters', () => {
    const built = buildClientRelationshipQuery({ organizer: ORG, client: { root: '1.2.246.21', extension: HETU }, askingUnit: UNIT }, accessPoint(), codes(), {
      messageId: MESSAGE_ID,
      creationTime: WHEN,
      queryId: { root: MSG_ROOT, extension: 'q-1' },
    });
    expect(built.interactionId).to.equal('RCMR_IN200010FI01');
    const doc = parse(built.xml);
    const root = '/h:RCMR_IN200010FI01';
    expect(attrOf(doc, `${root}/h:interactionId`, 'extension')).to.equal('RCMR_IN200010FI01');
    expect(attrOf(doc, `${root}/h:id`, 'extension')).to.equal(MESSAGE_ID.extension);
    expect(attrOf(doc, `${root}/h:receiver/h:device/h:id`, 'root')).to.equal('1.2.246.556.18007.2');
    const cap = `${root}/h:controlActProcess[@classCode="CACT"][@moodCode="EVN"]`;
    expect(attrOf(doc, `${cap}/h:code`, 'code')).to.equal('RCMR_TE000110UV01');
    expect(attrOf(doc, `${cap}/h:authorOrPerformer[@typeCode="AUT"]/h:assignedPerson/h:representedOrganization/h:id`, 'root')).to.equal(UNIT);
    expect(attrOf(doc, `${cap}/h:queryByParameter/h:queryId`, 'extension')).to.equal('q-1');
    expect(attrOf(doc, `${cap}/h:queryByParameter/h:custodian/h:value`, 'root')).to.equal(ORG);
    expect(attrOf(doc, `${cap}/h:queryByParameter/h:patientId/h:value`, 'root')).to.equal('1.2.246.21');
    expect(attrOf(doc, `${cap}/h:queryByParameter/h:patientId/h:value`, 'extension')).to.equal(HETU);
  });
});
