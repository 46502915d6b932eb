// A JSON-built CDA validates against the HL7 Finland CDA R2 schema set (../shared/schemas, or
// KGW_SCHEMAS_DIR) with the lax social-welfare overlay (test/fixtures/schema-overlay). The overlay is
// shown to be needed (the real sample fails the published set) and not to wave everything through (a
// document without custodian, or with a non-numeric versionNumber, still fails).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCda } from '../../adapters/cda/build-cda.ts';
import { CLIENT_PLAN_EXAMPLE, CLIENT_PLAN_VERSION_EXAMPLE, CLIENT_RELATIONSHIP_EXAMPLE } from '../../adapters/intake/json-document-schema.ts';
import { GATEWAY_SOFTWARE } from '../../adapters/intake/json-document.ts';
import { buildOverlaySchemaSet } from '../fixtures/schema-overlay/apply-overlay.ts';
import { parsed } from './support/json-fixtures.ts';
import { sampleOrSkip, schemaOrSkip } from '../helpers/shared-material.ts';
import { validateAgainst } from './support/xml-schema.ts';

describe('JSON-built CDA against the HL7 Finland CDA R2 schemas (lax social-welfare overlay)', function () {
  this.timeout(60_000);
  let kelaSet: string;
  let overlaySet: string;
  const names = { custodian: 'Esimerkin hyvinvointialue', organizer: 'Esimerkin hyvinvointialue', serviceUnit: 'Lapsiperheiden sosiaalityö' };
  const ID = '1.2.246.10.11111111.95.2026.1002';

  before(function () {
    kelaSet = path.dirname(schemaOrSkip(this as unknown as Mocha.Context, 'kela-cda-fi/CDA_Fi.xsd'));
    overlaySet = buildOverlaySchemaSet(kelaSet);
  });

  const examples = { 'asiakkuusasiakirja opening a right': CLIENT_RELATIONSHIP_EXAMPLE, 'client plan': CLIENT_PLAN_EXAMPLE, 'new version of the plan': CLIENT_PLAN_VERSION_EXAMPLE };
  for (const [label, example] of Object.entries(examples)) {
    it(`validates: ${label}`, async () => {
      const v = 'version' in example ? example.version : undefined;
      const cda = buildCda({
        submission: parsed(example),
        ids: v ? { documentId: `${ID}1`, setId: v.setId, versionNumber: v.versionNumber, parent: { id: v.parentId, setId: v.setId, versionNumber: v.versionNumber - 1 } } : { documentId: ID, setId: ID, versionNumber: 1 },
        names,
        software: GATEWAY_SOFTWARE,
      });
      const r = await validateAgainst(overlaySet, 'CDA_Fi.xsd', cda);
      expect(r.valid, `${r.tool}: ${r.errors}`).to.equal(true);
    });
  }

  it('needs the overlay: the public sample fails the published set and validates with the overlay', async function () {
    const sample = readFileSync(sampleOrSkip(this as unknown as Mocha.Context, 'asia_S.xml'));
    const bare = await validateAgainst(kelaSet, 'CDA_Fi.xsd', sample);
    expect(bare.valid).to.equal(false);
    expect(bare.errors).to.contain('localSocialHeader');
    const lax = await validateAgainst(overlaySet, 'CDA_Fi.xsd', sample);
    expect(lax.valid, lax.errors).to.equal(true);
  });

  it('still refuses a CDA without custodian or with a non-numeric versionNumber', async () => {
    const cda = buildCda({ submission: parsed(CLIENT_PLAN_EXAMPLE), ids: { documentId: ID, setId: ID, versionNumber: 1 }, names, software: GATEWAY_SOFTWARE }).toString('utf8');
    const noCustodian = cda.replace(/<custodian>[\s\S]*?<\/custodian>\n/, '');
    expect(noCustodian).to.not.equal(cda);
    expect((await validateAgainst(overlaySet, 'CDA_Fi.xsd', noCustodian)).valid).to.equal(false);
    expect((await validateAgainst(overlaySet, 'CDA_Fi.xsd', cda.replace('<versionNumber value="1"/>', '<versionNumber value="one"/>'))).valid).to.equal(false);
  });

  it('checks a signature collection inside the lax header (a signature without its timestamp fails)', async () => {
    const cda = buildCda({ submission: parsed(CLIENT_PLAN_EXAMPLE), ids: { documentId: ID, setId: ID, versionNumber: 1 }, names, software: GATEWAY_SOFTWARE }).toString('utf8');
    const description = '<hl7fi:signatureDescription code="3" codeSystem="1.2.246.537.5.40127.2006" displayName="Järjestelmäallekirjoitus"/>';
    const withTimestamp = cda.replace('</hl7fi:localSocialHeader>', `<hl7fi:signatureCollection><hl7fi:signature ID="s1">${description}<hl7fi:signatureTimestamp ID="t1">2026-09-15T09:00:00Z</hl7fi:signatureTimestamp></hl7fi:signature></hl7fi:signatureCollection></hl7fi:localSocialHeader>`);
    expect((await validateAgainst(overlaySet, 'CDA_Fi.xsd', withTimestamp)).valid).to.equal(true);
    const without = cda.replace('</hl7fi:localSocialHeader>', `<hl7fi:signatureCollection><hl7fi:signature ID="s1">${description}</hl7fi:signature></hl7fi:signatureCollection></hl7fi:localSocialHeader>`);
    expect((await validateAgainst(overlaySet, 'CDA_Fi.xsd', without)).valid).to.equal(false);
  });
});
