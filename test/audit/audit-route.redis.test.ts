// GET /v1/audit/:organisation on a tiny express app over real Redis: the caller comes from a test
// header (auth is not under test here); errors render the way the gateway's do.
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { useRedis } from '../helpers/redis.ts';
import { setCaller } from '../../gateway/caller.ts';
import { GatewayError } from '../../domain/errors.ts';
import { buildRoutingIndex } from '../../gateway/routing/index.ts';
import { AuditLog } from '../../gateway/audit/audit-log.ts';
import { verifyChain } from '../../gateway/audit/verify-chain.ts';
import { auditRouter, AUDIT_HEAD_HEADER } from '../../gateway/routes/audit.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { fixtureConfig, ORG, tenantOfConfig } from '../routing/fixture.ts';

const SECRET = 'route-audit-secret';
const hetu = makeHetu(12, 8, 2012, 952);
const other = makeHetu(3, 4, 1985, 961);

describe('GET /v1/audit/:organisation and POST …/search (real Redis)', () => {
  const server = useRedis();
  const { config, version } = fixtureConfig();
  const index = buildRoutingIndex(config, version);
  let redis: Redis;
  let log: AuditLog;
  let http: Server;
  let base: string;

  before(async () => {
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    log = new AuditLog(redis, { prefix: 'ra', clientKeySecret: SECRET });
    const app = express();
    app.use((req: Request, res: Response, next: NextFunction) => {
      const who = req.header('x-test-caller');
      if (who === 'ops') setCaller(res, { kind: 'ops', id: 'ops-1', role: 'operator' });
      else if (who) setCaller(res, { kind: 'tenant', tenant: tenantOfConfig(config, who) });
      next();
    });
    app.use(auditRouter({ log, index: () => index }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = err instanceof GatewayError ? err : new GatewayError('INTERNAL');
      res.status(e.status).json({ error: { ...e.toJSON(), errorId: 'test' } });
    });
    http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    // A provider (t-prov-d) writes into region A's registry; region A reads the status of its own.
    for (const [i, h] of [hetu, other, hetu].entries()) {
      await log.append({
        organisation: ORG.regionA,
        actingOrganisation: ORG.provD,
        action: 'intake-accepted',
        actor: { kind: 'tenant', id: 't-prov-d' },
        documentId: `1.2.246.10.2001.95.${i + 1}`,
        client: { root: '1.2.246.21', extension: h },
      });
    }
    await log.append({ organisation: ORG.regionA, action: 'archived', actor: { kind: 'system', id: 'pipeline' }, documentId: '1.2.246.10.2001.95.1', actingOrganisation: ORG.provD });
  });
  after(async () => {
    http?.close();
    await redis?.quit();
  });

  const get = async (path: string, caller?: string) => {
    const res = await fetch(`${base}${path}`, { headers: caller ? { 'x-test-caller': caller } : {} });
    return { status: res.status, type: res.headers.get('content-type') ?? '', head: res.headers.get(AUDIT_HEAD_HEADER), text: await res.text() };
  };
  const search = async (path: string, caller: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'x-test-caller': caller, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', head: res.headers.get(AUDIT_HEAD_HEADER), text: await res.text() };
  };
  const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

  it('streams the whole chain to an operator as NDJSON that verifies against the announced head', async () => {
    const r = await get(`/v1/audit/${ORG.regionA}`, 'ops');
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^application\/x-ndjson/);
    const recs = lines(r.text);
    // Four entries, plus the export itself, logged before the disclosure.
    expect(recs.map((x) => x.action)).to.deep.equal(['intake-accepted', 'intake-accepted', 'intake-accepted', 'archived', 'audit-exported']);
    expect(recs[4]).to.deep.include({ actor: { kind: 'ops', id: 'ops-1' } });
    const [seq, digest] = r.head!.split(' ');
    expect(verifyChain(r.text, { expectedHead: { seq: Number(seq), digest: digest! } })).to.include({ valid: true, count: 5 });
  });

  it('lets a tenant acting for the organisation export; the provider exports its own copy', async () => {
    const region = await get(`/v1/audit/${ORG.regionA}`, 't-region-a');
    expect(region.status).to.equal(200);
    expect(lines(region.text).at(-1)).to.deep.include({ action: 'audit-exported', actor: { kind: 'tenant', id: 't-region-a' } });
    const provider = await get(`/v1/audit/${ORG.provD}`, 't-prov-d');
    expect(provider.status).to.equal(200);
    const recs = lines(provider.text);
    expect(recs.filter((x) => x.controller === ORG.regionA)).to.have.length(4);
    expect(verifyChain(provider.text).valid).to.equal(true);
  });

  it('refuses another tenant with 403 and logs nothing for it', async () => {
    const before = await log.head(ORG.regionA);
    const r = await get(`/v1/audit/${ORG.regionA}`, 't-region-b');
    expect(r.status).to.equal(403);
    expect(JSON.parse(r.text).error.code).to.equal('AUTH_FORBIDDEN_ROLE');
    expect(await log.head(ORG.regionA)).to.deep.equal(before);
    expect((await get(`/v1/audit/${ORG.regionA}`)).status).to.equal(401);
  });

  it('answers 404 for an unknown organisation and 400 for a malformed one', async () => {
    const r = await get('/v1/audit/1.2.246.10.424242', 'ops');
    expect(r.status).to.equal(404);
    expect(JSON.parse(r.text).error.code).to.equal('NOT_FOUND');
    expect((await get('/v1/audit/not-an-oid', 'ops')).status).to.equal(400);
  });

  it('filters by client hetu as a pseudonym, never echoing it', async () => {
    const r = await search(`/v1/audit/${ORG.regionA}/search`, 'ops', { client: { extension: hetu } });
    expect(r.status).to.equal(200);
    expect(r.text).to.not.contain(hetu);
    const recs = lines(r.text);
    // Documents 1 and 3, the archived entry of document 1, and this export (which names the client).
    expect(recs.map((x) => [x.action, x.documentId ?? null])).to.deep.equal([
      ['intake-accepted', '1.2.246.10.2001.95.1'],
      ['intake-accepted', '1.2.246.10.2001.95.3'],
      ['archived', '1.2.246.10.2001.95.1'],
      ['audit-exported', null],
    ]);
    expect(recs[3]!.details).to.deep.equal({ clientFiltered: true });
    expect(verifyChain(r.text, { mode: 'sparse' }).valid).to.equal(true);
  });

  it('validates the query before logging or streaming anything', async () => {
    const before = await log.head(ORG.regionA);
    const bad = await search(`/v1/audit/${ORG.regionA}/search`, 'ops', { client: { extension: hetu.slice(0, -1) + (hetu.endsWith('A') ? 'B' : 'A') } });
    expect(bad.status).to.equal(400);
    expect(JSON.parse(bad.text).error.code).to.equal('INTAKE_INVALID_HETU');
    expect(bad.text).to.not.contain(hetu.slice(0, 10));
    expect((await get(`/v1/audit/${ORG.regionA}?from=yesterday`, 'ops')).status).to.equal(400);
    expect((await get(`/v1/audit/${ORG.regionA}?from=a&from=b`, 'ops')).status).to.equal(400);
    expect((await search(`/v1/audit/${ORG.regionA}/search`, 'ops', { from: 'yesterday' })).status).to.equal(400);
    expect((await search(`/v1/audit/${ORG.regionA}/search`, 'ops', { client: hetu })).status).to.equal(400);
    // The client in the URL is refused before anything is logged, without echoing it.
    const inUrl = await get(`/v1/audit/${ORG.regionA}?client=${encodeURIComponent(hetu)}`, 'ops');
    expect([inUrl.status, JSON.parse(inUrl.text).error.code]).to.deep.equal([400, 'REQUEST_CLIENT_IN_URL']);
    expect(JSON.parse(inUrl.text).error.message).to.contain('POST /v1/audit/{organisation}/search');
    expect(inUrl.text).to.not.contain(hetu);
    expect(await log.head(ORG.regionA)).to.deep.equal(before);
  });

  it('exports a time range', async () => {
    const all = lines((await get(`/v1/audit/${ORG.regionA}`, 'ops')).text);
    const from = all[1]!.at as string;
    const to = all[3]!.at as string;
    const r = await get(`/v1/audit/${ORG.regionA}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, 'ops');
    expect(r.status).to.equal(200);
    const recs = lines(r.text);
    expect(recs.every((x) => x.at >= from && x.at <= to)).to.equal(true);
    expect(recs[0]!.seq).to.be.at.most(2);
    expect(verifyChain(r.text, { mode: 'range' }).valid).to.equal(true);
  });
});
