// The event builders the lead wires into intake, status, the queue, registry rights and ops: which
// chain gets the entry, who acted, and that the client travels only as {root, extension} for hashing.
import { expect } from 'chai';
import {
  documentFinishedEvent,
  intakeAcceptedEvent,
  intakeRefusedEvents,
  opsEvents,
  rerunEvent,
  rightReadEvent,
  statusReadEvent,
} from '../../gateway/audit/audit-events.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { buildRoutingIndex } from '../../gateway/routing/index.ts';
import { fixtureConfig, ORG, tenantOfConfig } from '../routing/fixture.ts';

const { config, version } = fixtureConfig();
const index = buildRoutingIndex(config, version);
const client = { root: '1.2.246.21', extension: makeHetu(12, 8, 2012, 952) };
const doc = { tenant: 't-prov-d', documentId: '1.2.246.10.2001.95.7', controller: ORG.regionA, writerOrganisation: ORG.provD };

describe('audit event builders', () => {
  it('an accepted provider document goes to the controller with the provider as acting organisation', () => {
    const e = intakeAcceptedEvent({
      tenant: { id: 't-prov-d' },
      meta: { documentId: doc.documentId, client },
      operation: 'archive',
      decision: { controller: ORG.regionA, writerOrganisation: ORG.provD, ruleId: 'R-RIGHT', usageSituation: 'registryRight' },
      submissionId: 'sub-1',
    });
    expect(e).to.deep.include({ organisation: ORG.regionA, actingOrganisation: ORG.provD, action: 'intake-accepted', client });
    expect(e.details).to.deep.equal({ operation: 'archive', ruleId: 'R-RIGHT', usage: 'registryRight', submissionId: 'sub-1' });
    const own = intakeAcceptedEvent({ tenant: { id: 't-region-a' }, meta: { documentId: doc.documentId, client }, operation: 'archive', decision: { controller: ORG.regionA, writerOrganisation: ORG.regionA, ruleId: 'R-OWN', usageSituation: 'ownUse' }, submissionId: 's' });
    expect(own).to.not.have.property('actingOrganisation');
  });

  it('a refusal goes to a configured custodian, else to each organisation the tenant acts for', () => {
    const provider = tenantOfConfig(config, 't-prov-d');
    const [toRegion] = intakeRefusedEvents({ tenant: provider, meta: { documentId: doc.documentId, client, custodian: ORG.regionA }, code: 'RIGHT_NOT_FOUND', ruleId: 'R9', index });
    expect(toRegion).to.deep.include({ organisation: ORG.regionA, actingOrganisation: ORG.provD, code: 'RIGHT_NOT_FOUND', details: { ruleId: 'R9' } });
    const regionTenant = tenantOfConfig(config, 't-region-a');
    const unknown = intakeRefusedEvents({ tenant: regionTenant, meta: { documentId: doc.documentId, client, custodian: '1.2.246.10.424242' }, code: 'ROUTE_UNKNOWN_ORGANISATION', index });
    expect(unknown.map((e) => e.organisation)).to.deep.equal([ORG.regionA, ORG.para]);
    expect(intakeRefusedEvents({ tenant: regionTenant, code: 'INTAKE_MALFORMED_XML', index })).to.deep.equal([]);
  });

  it('status reads, finished documents and reruns name the document, not the client', () => {
    expect(statusReadEvent({ tenant: { id: 't-prov-d' }, record: { ...doc, status: 'sending' } })).to.deep.equal({
      organisation: ORG.regionA,
      actingOrganisation: ORG.provD,
      action: 'status-read',
      actor: { kind: 'tenant', id: 't-prov-d' },
      documentId: doc.documentId,
      details: { status: 'sending' },
    });
    expect(documentFinishedEvent({ record: { ...doc, attempts: 2 }, status: 'parked', code: 'KANTA_TIMEOUT' })).to.deep.include({ action: 'parked', code: 'KANTA_TIMEOUT', actor: { kind: 'system', id: 'pipeline' } });
    expect(documentFinishedEvent({ record: { ...doc, attempts: 1 }, status: 'signed' })).to.equal(undefined);
    expect(rerunEvent({ opsId: 'ops-1', record: doc, run: 2, previousCode: 'KANTA_TIMEOUT' })).to.deep.include({ action: 'rerun', actor: { kind: 'ops', id: 'ops-1' }, details: { run: 2 } });
  });

  it('right reads by a provider are copied to the provider; ops on a tenant reach each of its organisations', () => {
    expect(rightReadEvent({ tenant: { id: 't-prov-d' }, organizer: ORG.regionA, client, role: 'provider', readerOrganisation: ORG.provD })).to.deep.include({ organisation: ORG.regionA, actingOrganisation: ORG.provD });
    expect(opsEvents({ opsId: 'ops-1', operation: 'pause-controller', controller: ORG.regionB })).to.deep.equal([{ organisation: ORG.regionB, action: 'ops', actor: { kind: 'ops', id: 'ops-1' }, details: { operation: 'pause-controller' } }]);
    const joint = opsEvents({ opsId: 'ops-1', operation: 'pause-tenant', tenant: tenantOfConfig(config, 't-joint') });
    expect(joint.map((e) => e.organisation)).to.deep.equal([ORG.main, ORG.co1, ORG.co2]);
  });
});
