// The registry-rights and dry-run routes on a tiny express app: the caller comes from a test header
// (the real auth middleware is not under test here), errors render the way the gateway's do.
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { setCaller } from '../../gateway/caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import { buildRoutingIndex, decide } from '../../gateway/routing/index.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { RoutingJournal, toJournalEntry } from '../../gateway/registry-rights/routing-journal.ts';
import { registryRightsRouter } from '../../gateway/routes/registry-rights.ts';
import { routingDryRunRouter, type DryRunReport } from '../../gateway/routes/routing-dry-run.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { fixtureConfig, meta, ORG, rawConfig, tenantOfConfig, UNIT } from './fixture.ts';

const SECRET = 'route-secret';

describe('registry-rights and routing dry-run routes (real Redis)', () => {
  const server = useRedis();
  const { config, version } = fixtureConfig();
  const index = buildRoutingIndex(config, version);
  let redis: Redis;
  let rights: RegistryRightStore;
  let journal: RoutingJournal;
  let http: Server;
  let base: string;

  before(async () => {
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    rights = new RegistryRightStore(redis, { prefix: 'rt', clientKeySecret: SECRET });
    journal = new RoutingJournal(redis, { prefix: 'rt', max: 100 });
    const app = express();
    app.use((req: Request, res: Response, next: NextFunction) => {
      const who = req.header('x-test-caller');
      if (who === 'ops') setCaller(res, { kind: 'ops', id: 'ops-1', role: 'operator' });
      else if (who) setCaller(res, { kind: 'tenant', tenant: tenantOfConfig(config, who) });
      next();
    });
    app.use(registryRightsRouter({ rights, index: () => index }));
    app.use(routingDryRunRouter({ journal, rights, current: () => ({ config, version, index }) }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = err instanceof GatewayError ? err : new GatewayError('INTERNAL');
      res.status(e.status).json({ error: { ...e.toJSON(), errorId: 'test' } });
    });
    http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    http?.close();
    await redis?.quit();
  });

  const call = async (method: string, path: string, caller: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-test-caller': caller, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  describe('PUT /v1/registry-rights, POST /v1/registry-rights/search', () => {
    const hetu = makeHetu(12, 8, 2012, 952);
    const entries = {
      '24': [
        { unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' },
        { unit: UNIT.co1, start: '2026-01-01' },
      ],
    };

    it('lets the organizer set rights', async () => {
      const r = await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: ORG.regionA, client: { extension: hetu }, entries });
      expect(r.status).to.equal(200);
      expect(r.body.entries).to.deep.equal(entries);
      expect(JSON.stringify(r.body)).to.not.contain(hetu);
      const cur = await rights.current(ORG.regionA, { root: '1.2.246.21', extension: hetu });
      expect(cur?.source).to.deep.equal({ kind: 'api', by: 't-region-a' });
    });

    it('refuses a PUT by a tenant that does not act for the organizer (403)', async () => {
      const r = await call('PUT', '/v1/registry-rights', 't-prov-d', { organizer: ORG.regionA, client: { extension: hetu }, entries });
      expect(r.status).to.equal(403);
      expect(r.body.error.code).to.equal('AUTH_FORBIDDEN_ROLE');
    });

    it('refuses bad bodies with coded 400s and never echoes the hetu', async () => {
      const badHetu = await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: ORG.regionA, client: { extension: '010101-0000' }, entries });
      expect([badHetu.status, badHetu.body.error.code]).to.deep.equal([400, 'INTAKE_INVALID_HETU']);
      expect(JSON.stringify(badHetu.body)).to.not.contain('010101-0000');
      const badEntries = await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: ORG.regionA, client: { extension: hetu }, entries: { '24': [{ unit: UNIT.provD1, start: '2026-13-01' }] } });
      expect([badEntries.status, badEntries.body.error.code]).to.deep.equal([400, 'REQUEST_INVALID']);
      const unknownOrg = await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: '1.2.246.10.8888', client: { extension: hetu }, entries });
      expect(unknownOrg.body.error.code).to.equal('ROUTE_UNKNOWN_ORGANISATION');
    });

    it('answers the organizer with everything, history included', async () => {
      await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: ORG.regionA, client: { extension: hetu }, entries: { '24': [{ unit: UNIT.co1, start: '2026-01-01' }] } });
      const r = await call('POST', '/v1/registry-rights/search', 't-region-a', { client: { extension: hetu }, history: true });
      expect(r.status).to.equal(200);
      expect(r.body.rights).to.have.length(1);
      expect(r.body.rights[0]).to.include({ organizer: ORG.regionA, role: 'organizer' });
      expect(r.body.rights[0].history).to.have.length(2);
    });

    it('answers a named provider with its own periods only', async () => {
      const joint = await call('POST', '/v1/registry-rights/search', 't-joint', { client: { extension: hetu } });
      expect(joint.status).to.equal(200);
      expect(joint.body.rights[0]).to.deep.include({ organizer: ORG.regionA, role: 'provider', entries: { '24': [{ unit: UNIT.co1, start: '2026-01-01' }] } });
      expect(joint.body.rights[0].source).to.deep.equal({ kind: 'api' });
      // Two organizer changes, both naming co-joiner 1's unit the same way: one change in its view.
      const jointHistory = await call('POST', '/v1/registry-rights/search', 't-joint', { client: { extension: hetu }, history: true });
      expect(jointHistory.body.rights[0].history).to.deep.equal([{ effectiveAt: jointHistory.body.rights[0].history[0].effectiveAt, entries: { '24': [{ unit: UNIT.co1, start: '2026-01-01' }] } }]);
      // Provider D was named only in an earlier state: the current one no longer names it, so 404.
      const provD = await call('POST', '/v1/registry-rights/search', 't-prov-d', { client: { extension: hetu }, organizer: ORG.regionA });
      expect(provD.status).to.equal(404);
    });

    it('answers any other tenant 404, and an ops caller 403', async () => {
      const other = await call('POST', '/v1/registry-rights/search', 't-region-b', { client: { extension: hetu } });
      expect([other.status, other.body.error.code]).to.deep.equal([404, 'NOT_FOUND']);
      const ops = await call('POST', '/v1/registry-rights/search', 'ops', { client: { extension: hetu } });
      expect(ops.status).to.equal(403);
    });

    it('refuses the client in a URL with REQUEST_CLIENT_IN_URL, naming the search route and never echoing the hetu', async () => {
      for (const path of [`/v1/registry-rights?client=${hetu}`, `/v1/registry-rights?client=${hetu}&history=true`, '/v1/registry-rights']) {
        const r = await call('GET', path, 't-region-a');
        expect([r.status, r.body.error.code], path).to.deep.equal([400, 'REQUEST_CLIENT_IN_URL']);
        expect(r.body.error.message).to.contain('POST /v1/registry-rights/search');
        expect(JSON.stringify(r.body)).to.not.contain(hetu);
      }
      const bad = await call('POST', '/v1/registry-rights/search', 't-region-a', { client: { extension: hetu }, unknown: 1 });
      expect([bad.status, bad.body.error.code]).to.deep.equal([400, 'REQUEST_INVALID']);
    });
  });

  describe('POST /v1/routing/dry-run', () => {
    it('shows the decisions that flip when the candidate removes a contract', async () => {
      const hetuA = makeHetu(5, 5, 2016, 961);
      const hetuB = makeHetu(6, 6, 2017, 962);
      const right = (organizer: string, hetu: string, unit: string) =>
        rights.learnFromDocument({ organizer, client: { root: '1.2.246.21', extension: hetu }, setId: `${organizer}.600`, versionNumber: 1, documentId: `${organizer}.600`, entries: { '24': [{ unit, start: '2026-01-01' }] }, at: new Date('2026-01-01T08:00:00Z') });
      await right(ORG.regionA, hetuA, UNIT.provD1);
      await right(ORG.regionB, hetuB, UNIT.provD1);

      const docs = [
        { tenant: 't-prov-d', m: meta({ custodian: ORG.regionA }), hetu: hetuA },
        { tenant: 't-prov-d', m: meta({ custodian: ORG.regionB, outsourcingServiceCustomer: ORG.regionB }), hetu: hetuB },
        { tenant: 't-region-a', m: meta({ serviceUnit: UNIT.regionA }), hetu: hetuA },
      ];
      for (const d of docs) {
        const full = { ...d.m, client: { root: '1.2.246.21', extension: d.hetu } };
        const at = new Date('2026-03-15T10:00:00Z');
        const state = await rights.current(d.m.custodian, full.client);
        const decision = decide({ index, tenant: tenantOfConfig(config, d.tenant), meta: d.m, operation: 'archive', rights: state, now: at });
        expect(decision.accepted, JSON.stringify(decision)).to.equal(true);
        await journal.record(toJournalEntry({ at, tenantId: d.tenant, operation: 'archive', meta: full, decision, clientKeySecret: SECRET }));
      }

      const candidate = rawConfig();
      candidate.contracts = (candidate.contracts as { id: string }[]).filter((c) => c.id !== 'c-a-d');
      const r = await call('POST', '/v1/routing/dry-run', 'ops', candidate);
      expect(r.status).to.equal(200);
      const report = r.body as DryRunReport;
      expect(report.examined).to.equal(3);
      expect(report.changed).to.equal(1);
      expect(report.currentVersion).to.equal(version);
      expect(report.candidateVersion).to.not.equal(version);
      expect(report.items).to.deep.equal([
        {
          documentId: docs[0]!.m.documentId,
          tenantId: 't-prov-d',
          operation: 'archive',
          at: '2026-03-15T10:00:00.000Z',
          changed: true,
          before: { accepted: true, ruleId: 'R-REGISTRY-RIGHT', controller: ORG.regionA },
          after: { accepted: false, ruleId: 'R-CONTRACT', code: 'RIGHT_NO_CONTRACT' },
        },
      ]);

      const all = await call('POST', '/v1/routing/dry-run?all=true&limit=2', 'ops', candidate);
      expect((all.body as DryRunReport).items).to.have.length(2);
    });

    it('refuses tenants, bad candidates and bad limits with codes', async () => {
      const asTenant = await call('POST', '/v1/routing/dry-run', 't-region-a', rawConfig());
      expect([asTenant.status, asTenant.body.error.code]).to.deep.equal([403, 'AUTH_FORBIDDEN_ROLE']);
      const broken = rawConfig();
      broken.contracts = [{ id: 'x', organizer: '1.2.246.10.4242', provider: ORG.provD, serviceTasks: ['24'], validFrom: '2026-01-01' }];
      const bad = await call('POST', '/v1/routing/dry-run', 'ops', broken);
      expect([bad.status, bad.body.error.code]).to.deep.equal([400, 'REQUEST_INVALID']);
      expect(bad.body.error.details.issues[0].path).to.equal('contracts.0.organizer');
      const badLimit = await call('POST', '/v1/routing/dry-run?limit=0', 'ops', rawConfig());
      expect(badLimit.body.error.code).to.equal('REQUEST_INVALID');
    });
  });
});
