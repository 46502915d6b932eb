// Field-level refusals of a JSON submission: each problem with its JSON path, a reason and a code, all
// at once; never the submitted henkilötunnus in what comes back.
import { expect } from 'chai';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { CLIENT_RELATIONSHIP_EXAMPLE } from '../../adapters/intake/json-document-schema.ts';
import { validateJsonSubmission, readJsonDocument } from '../../adapters/intake/json-document.ts';
import type { JsonIssue } from '../../adapters/intake/json-document-issues.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { Tenant } from '../../config/schema.ts';
import { planSubmission } from './support/json-fixtures.ts';

function issuesOf(raw: unknown, op?: string): JsonIssue[] {
  try {
    validateJsonSubmission(raw, op);
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('INTAKE_INVALID_JSON');
    expect((err as GatewayError).status).to.equal(400);
    return ((err as GatewayError).details as { issues: JsonIssue[] }).issues;
  }
  expect.fail('accepted');
}

const at = (issues: JsonIssue[], path: string) => issues.find((i) => i.path === path);

describe('JSON submission validation', () => {
  it('accepts the published examples', () => {
    expect(() => validateJsonSubmission(planSubmission())).to.not.throw();
    expect(() => validateJsonSubmission(structuredClone(CLIENT_RELATIONSHIP_EXAMPLE))).to.not.throw();
  });

  it('names every bad field with its path, reason and code at once', () => {
    const bad = planSubmission() as Record<string, unknown>;
    delete (bad.client as Record<string, unknown>).hetu;
    bad.organizer = 'not-an-oid';
    bad.effectiveTime = '2026-09-15 12:00';
    bad.colour = 'blue';
    (bad.serviceTask as Record<string, unknown>).code = 24;
    const issues = issuesOf(bad);
    expect(at(issues, '$.client.hetu')).to.include({ code: 'required' });
    expect(at(issues, '$.organizer')).to.include({ code: 'invalid_format' });
    expect(at(issues, '$.effectiveTime')?.reason).to.contain('zone');
    expect(at(issues, '$.colour')).to.include({ code: 'unrecognized_key' });
    expect(at(issues, '$.serviceTask.code')).to.include({ code: 'invalid_type' });
    for (const i of issues) expect(i.reason).to.be.a('string').and.not.equal('');
  });

  it('refuses a henkilötunnus with a bad checksum without echoing it', () => {
    const hetu = makeHetu(15, 3, 2016, 901);
    const wrong = `${hetu.slice(0, -1)}${hetu.endsWith('A') ? 'B' : 'A'}`;
    const issues = issuesOf(planSubmission({ client: { hetu: wrong } }));
    expect(at(issues, '$.client.hetu')).to.include({ code: 'invalid_hetu' });
    expect(JSON.stringify(issues)).to.not.contain(wrong);
  });

  it('requires guardian consent for a minor, not for an adult', () => {
    const minor = planSubmission();
    delete minor.guardianConsent;
    expect(at(issuesOf(minor), '$.guardianConsent')).to.include({ code: 'required_for_minor' });
    const adult = planSubmission({ client: { hetu: makeHetu(2, 11, 1984, 902) } });
    delete adult.guardianConsent;
    expect(() => validateJsonSubmission(adult)).to.not.throw();
    // 18 on the document date itself: no longer a minor.
    const birthday = planSubmission({ client: { hetu: makeHetu(15, 9, 2008, 903) }, effectiveTime: '2026-09-15T12:00:00+03:00' });
    delete birthday.guardianConsent;
    expect(() => validateJsonSubmission(birthday)).to.not.throw();
  });

  it('applies the asiakkuusasiakirja rules: no document type, rights well-formed, the same client', () => {
    const rel = structuredClone(CLIENT_RELATIONSHIP_EXAMPLE) as Record<string, any>;
    rel.documentType = { code: '15' };
    rel.body.json.asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].palveluyksikon_nimi.code = 'unit-1';
    rel.body.json.asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0].asiakkuuden_paattymispvm = '2026-08-01';
    rel.body.json.asiakkuusasiakirja.asiakas.henkilotunnus.value = makeHetu(1, 1, 2015, 950);
    const issues = issuesOf(rel);
    expect(at(issues, '$.documentType')).to.include({ code: 'not_for_client_relationship' });
    const p = '$.body.json.asiakkuusasiakirja.sosiaalihuollon_palvelutehtava[0].palveluntuottaja[0]';
    expect(at(issues, `${p}.palveluyksikon_nimi.code`)).to.include({ code: 'invalid_format' });
    expect(at(issues, `${p}.asiakkuuden_paattymispvm`)).to.include({ code: 'end_before_start' });
    expect(at(issues, '$.body.json.asiakkuusasiakirja.asiakas.henkilotunnus.value')).to.include({ code: 'hetu_mismatch' });
    const plan = planSubmission();
    delete plan.documentType;
    expect(at(issuesOf(plan), '$.documentType')).to.include({ code: 'required' });
  });

  it('checks the XHTML view: well-formed, an XHTML div root, no id, no DTD', () => {
    const xhtml = (x: string) => planSubmission({ body: { xhtml: x, json: {} } });
    expect(at(issuesOf(xhtml('<div xmlns="http://www.w3.org/1999/xhtml"><p>open')), '$.body.xhtml')).to.include({ code: 'malformed_xhtml' });
    expect(at(issuesOf(xhtml('<p xmlns="http://www.w3.org/1999/xhtml"/>')), '$.body.xhtml')).to.include({ code: 'invalid_xhtml_root' });
    expect(at(issuesOf(xhtml('<div/>')), '$.body.xhtml')).to.include({ code: 'invalid_xhtml_root' });
    expect(at(issuesOf(xhtml('<?pi x?><div xmlns="http://www.w3.org/1999/xhtml"/>')), '$.body.xhtml')).to.include({ code: 'invalid_xhtml_root' });
    expect(at(issuesOf(xhtml('<div id="x" xmlns="http://www.w3.org/1999/xhtml"/>')), '$.body.xhtml')).to.include({ code: 'id_set_by_gateway' });
    expect(at(issuesOf(xhtml('<!DOCTYPE div [<!ENTITY a "b">]><div xmlns="http://www.w3.org/1999/xhtml">&a;</div>')), '$.body.xhtml')).to.include({ code: 'dtd_forbidden' });
    expect(at(issuesOf(xhtml('<div xmlns="http://www.w3.org/1999/xhtml">\u0001</div>')), '$.body.xhtml')).to.include({ code: 'invalid_characters' });
  });

  it('checks the operation against version', () => {
    expect(at(issuesOf(planSubmission(), 'version'), '$.version')).to.include({ code: 'required' });
    expect(at(issuesOf(planSubmission({ version: { setId: '1.2.3', parentId: '1.2.3', versionNumber: 2 } }), 'archive'), '$.version')).to.include({ code: 'not_for_archive' });
    expect(at(issuesOf(planSubmission({ version: { setId: '1.2.3', parentId: '1.2.3', versionNumber: 1 } })), '$.version.versionNumber')).to.include({ code: 'too_small' });
  });

  it('refuses a body that is not JSON without quoting it, and an empty body', async () => {
    const tenant = { id: 't', actsFor: [] } as unknown as Tenant;
    const deps = { minter: { mint: async () => expect.fail('minted') }, directory: () => ({ organisations: [], serviceUnits: [] }) };
    const hetu = makeHetu(15, 3, 2016, 901);
    const err = await readJsonDocument({ body: Buffer.from(`{"client": {"hetu": "${hetu}"`), tenant }, deps).then(() => undefined, (e: GatewayError) => e);
    expect(err?.code).to.equal('INTAKE_INVALID_JSON');
    expect((err!.details as { issues: JsonIssue[] }).issues[0]).to.include({ path: '$', code: 'invalid_json' });
    expect(JSON.stringify(err!.toJSON())).to.not.contain(hetu);
    const empty = await readJsonDocument({ body: Buffer.alloc(0), tenant }, deps).then(() => undefined, (e: GatewayError) => e);
    expect(empty?.code).to.equal('INTAKE_EMPTY_BODY');
  });
});
