// The intake stages that need no Redis: format choice, the header rules every format shares, the
// operation rule and whose signature an incoming document must carry.
import { expect } from 'chai';
import type { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import { formatFor, INTAKE_FORMATS } from '../../gateway/intake/formats.ts';
import { checkIncomingSignatures, expectedSignerOids, type SignatureVerifier } from '../../gateway/intake/incoming-signatures.ts';
import { operationOf } from '../../gateway/intake/operation.ts';
import { checkHeader, rightsGranted } from '../../gateway/intake/run-intake.ts';
import type { Tenant } from '../../config/schema.ts';
import { codeOf } from '../helpers/code-of.ts';


const HEADER = { documentId: '1.2.246.10.1.2026.1', setId: '1.2.246.10.1.2026.1', versionNumber: 1, custodian: '1.2.246.10.1', documentGroup: '5', client: { root: '1.2.246.21', extension: '010190-9904' }, effectiveTime: '20260301', documentDate: '2026-03-01', bodyId: 'OID1.2.246.10.1.2026.1', signatures: [] };
const parsed = (over: Partial<ParsedDocument['header']> = {}, extra: Partial<ParsedDocument> = {}): ParsedDocument => ({ format: 'test', cda: Buffer.from('<x/>'), header: { ...HEADER, ...over }, ...extra });
const TENANT = { id: 't', actsFor: [{ organisation: '1.2.246.10.7', joining: { model: 'direct' } }] } as unknown as Tenant;

describe('gateway/intake stages', () => {
  it('chooses the CDA XML format for XML media types and refuses others with 415', () => {
    for (const t of ['application/xml', 'text/xml; charset=utf-8', 'application/hl7-cda+xml']) expect(formatFor(t).name).to.equal('cda-xml');
    for (const t of [undefined, '', 'application/json', 'text/plain']) expect(codeOf(() => formatFor(t))).to.equal('INTAKE_UNSUPPORTED_MEDIA_TYPE');
    expect(INTAKE_FORMATS.map((f) => f.name)).to.deep.equal(['cda-xml']);
  });

  it('derives the operation from versionNumber, and checks a named one against the header', () => {
    expect(operationOf({ versionNumber: 1 }, undefined)).to.equal('archive');
    expect(operationOf({ versionNumber: 2, parent: { id: '1.2.3' } }, '')).to.equal('version');
    expect(operationOf({ versionNumber: 2, parent: { id: '1.2.3' } }, ' Void ')).to.equal('void');
    expect(codeOf(() => operationOf({ versionNumber: 1 }, 'delete'))).to.equal('INTAKE_UNKNOWN_OPERATION');
    expect(codeOf(() => operationOf({ versionNumber: 2 }, 'version'))).to.equal('INTAKE_MISSING_FIELD');
    expect(codeOf(() => operationOf({ versionNumber: 3, parent: { id: '1.2.3' } }, 'archive'))).to.equal('INTAKE_INVALID_FIELD');
  });

  it('requires the body id to be "OID" + the document id, whatever the format', () => {
    expect(checkHeader(parsed())).to.equal('archive');
    expect(codeOf(() => checkHeader(parsed({ bodyId: 'OID1.2.3' })))).to.equal('INTAKE_INVALID_FIELD');
    expect(codeOf(() => checkHeader(parsed({ bodyId: undefined as never })))).to.equal('INTAKE_INVALID_FIELD');
  });

  it('reads the rights an asiakkuusasiakirja grants, and refuses unreadable right entries', () => {
    expect(rightsGranted(parsed())).to.equal(undefined);
    expect(codeOf(() => rightsGranted(parsed({ documentGroup: '1' }, { clientRelationshipJson: { not: 'rights' } })))).to.match(/^INTAKE_/);
  });

  it('names whose certificate an incoming signature must carry', () => {
    expect(expectedSignerOids('any', HEADER, TENANT)).to.equal(undefined);
    expect(expectedSignerOids('custodian', HEADER, TENANT)).to.deep.equal(['1.2.246.10.1']);
    expect(expectedSignerOids('tenant', HEADER, TENANT)).to.deep.equal(['1.2.246.10.7']);
  });

  it('verifies only documents that carry signatures, with the trusted CAs and signer rule of the moment', async () => {
    const calls: unknown[] = [];
    const verifier: SignatureVerifier = async (_xml, opts) => (calls.push(opts), { valid: false, reason: 'digest mismatch' });
    const policy = { verifier, rule: () => 'custodian' as const, trustedCaPems: () => ['PEM'] };
    await checkIncomingSignatures(parsed(), TENANT, policy);
    expect(calls).to.deep.equal([]);
    const err = await checkIncomingSignatures(parsed({ signatures: [{ id: 's1', kind: '1' }] }), TENANT, policy).then(() => undefined, (e: GatewayError) => e);
    expect(err?.code).to.equal('INTAKE_INVALID_SIGNATURE');
    expect(err?.details).to.deep.equal({ reason: 'digest mismatch' });
    expect(calls).to.deep.equal([{ trustedCaPems: ['PEM'], expectedSignerOids: ['1.2.246.10.1'] }]);
  });
});
