// The API description: every route on the app is registered with a spec, GET /openapi.json is a
// structurally sound OpenAPI 3.1 document naming every catalogue code, requests are validated from
// the same schemas, and what the routes answer matches the response schemas (real Redis).
import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createApp } from '../../gateway/app.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import { createLogger } from '../../gateway/logger.ts';
import { errorHandler } from '../../gateway/http-errors.ts';
import { setCaller } from '../../gateway/caller.ts';
import { intakeRouter } from '../../gateway/routes/intake.ts';
import { statusRouter } from '../../gateway/routes/status.ts';
import { registryRightsRouter } from '../../gateway/routes/registry-rights.ts';
import { auditRouter } from '../../gateway/routes/audit.ts';
import { routingDryRunRouter } from '../../gateway/routes/routing-dry-run.ts';
import { opsRouter } from '../../gateway/routes/ops.ts';
import { clientQueriesRouter } from '../../gateway/routes/client-queries.ts';
import { callbacksRouter } from '../../gateway/routes/callbacks.ts';
import { ROUTE_SPECS } from '../../gateway/api/all-routes.ts';
import { auditRecordSchema } from '../../gateway/api/audit-api.ts';
import { intakeSpec } from '../../gateway/api/documents-api.ts';
import { mountRoute, specOfRoute } from '../../gateway/api/mount-route.ts';
import { buildOpenApiDocument, type OpenApiDocument } from '../../gateway/api/openapi.ts';
import { defineRoute, errorCodesOf, openApiPath, routeKey, type RouteSpec } from '../../gateway/api/route-spec.ts';
import { buildRoutingIndex } from '../../gateway/routing/index.ts';
import { RegistryRightStore } from '../../gateway/registry-rights/right-store.ts';
import { RoutingJournal } from '../../gateway/registry-rights/routing-journal.ts';
import { AuditLog } from '../../gateway/audit/audit-log.ts';
import { DocumentStore } from '../../queues/document-store.ts';
import { parkForTest, testDecision, testReceipt } from '../helpers/record-fixtures.ts';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { useRedis } from '../helpers/redis.ts';
import { fixtureConfig, ORG, rawConfig, tenantOfConfig, UNIT } from '../routing/fixture.ts';

const silent = createLogger({ silent: true });
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Intake is mounted by gateway/routes/intake.ts without mountRoute while it is being rewritten into
 * stages; its spec is in the description already. Remove it from here once intake mounts
 * validateRequest(intakeSpec).
 */
// Every route is mounted with its spec; a route added some other way fails the walk below.
const MOUNTED_WITHOUT_SPEC = new Set<string>();

interface FoundRoute {
  key: string;
  spec: RouteSpec | undefined;
}

/** Every route of an express 5 app, through the routers it uses (all mounted at the root). */
function routesOf(app: express.Express): FoundRoute[] {
  const out: FoundRoute[] = [];
  const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: unknown[] }; slash?: boolean }>) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) out.push({ key: `${m.toUpperCase()} ${layer.route.path}`, spec: specOfRoute(layer.route) });
      } else if (Array.isArray(layer.handle.stack)) {
        // A router mounted under a prefix would hide that prefix from its routes' paths.
        if (!layer.slash) throw new Error('a router is mounted under a path prefix: its routes cannot be matched to specs');
        walk(layer.handle.stack as typeof stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: typeof walk extends (s: infer S) => void ? S : never } }).router.stack);
  return out;
}

/** The whole app as main.ts builds it; handlers never run here, so their dependencies are left out. */
function fullApp(health = { configLoaded: () => ({ version: 'v-test' }), pingRedis: async () => true, shuttingDown: () => false }): express.Express {
  const unused = {} as never;
  return createApp({
    logger: silent,
    health,
    credentials: () => ({ byTokenDigest: new Map(), byCertificate: new Map() }),
    metricsRegistry: new Registry(),
    routers: [intakeRouter(unused), statusRouter(unused), registryRightsRouter(unused), auditRouter(unused), routingDryRunRouter(unused), clientQueriesRouter(unused), opsRouter(unused), callbacksRouter(unused)],
  });
}

async function listen(app: express.Express): Promise<{ http: Server; base: string }> {
  const http = app.listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  return { http, base: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** Resolves a local JSON pointer (`#/components/schemas/Receipt`). */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

function refsIn(node: unknown, at = '#'): Array<{ at: string; ref: string }> {
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refsIn(v, `${at}/${k}`)));
}

type Operation = { operationId: string; security: Array<Record<string, string[]>>; parameters?: Array<{ in: string; name: string; required?: boolean }>; responses: Record<string, Record<string, unknown>> };

function operationsOf(doc: OpenApiDocument): Array<{ path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((method) => ({ path, method, op: (item as Record<string, Operation>)[method]! })),
  );
}

describe('API description (GET /openapi.json)', () => {
  describe('every route has a spec', () => {
    it('every route on the app is in ROUTE_SPECS, mounted with that very spec (intake pending)', () => {
      const found = routesOf(fullApp());
      const specs = new Map(ROUTE_SPECS.map((s) => [routeKey(s), s]));
      expect(found.length).to.be.greaterThan(10);
      for (const r of found) {
        expect(specs.has(r.key), `${r.key} has no spec in gateway/api/all-routes.ts`).to.equal(true);
        if (MOUNTED_WITHOUT_SPEC.has(r.key)) continue;
        expect(r.spec, `${r.key} is not mounted through mountRoute`).to.equal(specs.get(r.key));
      }
    });

    it('every spec is a route of the app, once', () => {
      const keys = routesOf(fullApp()).map((r) => r.key);
      for (const s of ROUTE_SPECS) expect(keys.filter((k) => k === routeKey(s)), routeKey(s)).to.have.length(1);
    });
  });

  describe('the document', () => {
    let doc: OpenApiDocument;
    let served: { status: number; type: string; body: unknown };
    before(async () => {
      doc = buildOpenApiDocument();
      const { http, base } = await listen(fullApp());
      try {
        // Unauthenticated, like /healthz.
        const res = await fetch(`${base}/openapi.json`);
        served = { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
      } finally {
        http.close();
      }
    });

    it('is served without credentials as JSON, and is the built document', () => {
      expect(served.status).to.equal(200);
      expect(served.type).to.match(/^application\/json/);
      expect(served.body).to.deep.equal(JSON.parse(JSON.stringify(doc)));
    });

    it('is structurally OpenAPI 3.1: info, paths with responses, path parameters declared, unique operationIds', () => {
      expect(doc.openapi).to.match(/^3\.1\.\d+$/);
      expect(doc.info.title).to.be.a('string').and.not.equal('');
      expect(doc.info.version).to.be.a('string').and.not.equal('');
      const ops = operationsOf(doc);
      expect(ops).to.have.length(ROUTE_SPECS.length);
      expect(new Set(ops.map((o) => o.op.operationId)).size).to.equal(ops.length);
      for (const { path, method, op } of ops) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(Object.keys(op.responses), where).to.not.be.empty;
        for (const [status, res] of Object.entries(op.responses)) {
          expect(status, where).to.match(/^[1-5]\d\d$/);
          expect(res.description, `${where} ${status}`).to.be.a('string').and.not.equal('');
        }
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort(), where).to.deep.equal([...inPath].sort());
        for (const p of declared) expect(p.required, `${where} path parameter ${p.name}`).to.equal(true);
        for (const p of op.parameters ?? []) expect(['query', 'header', 'path', 'cookie']).to.include(p.in);
      }
    });

    it('resolves every $ref, and every security requirement names a defined scheme', () => {
      const refs = refsIn(doc);
      expect(refs.length).to.be.greaterThan(10);
      for (const { at, ref } of refs) expect(resolvePointer(doc, ref), `${ref} at ${at}`).to.be.an('object');
      const schemes = doc.components?.securitySchemes ?? {};
      expect(schemes).to.have.all.keys('tenantToken', 'tenantCertificate', 'opsToken', 'opsCertificate');
      expect(schemes.tenantCertificate).to.include({ type: 'mutualTLS' });
      expect(schemes.tenantToken).to.include({ type: 'http', scheme: 'bearer' });
      for (const { op } of operationsOf(doc)) for (const req of op.security) for (const name of Object.keys(req)) expect(schemes, op.operationId).to.have.property(name);
    });

    it('documents the service routes without security and everything under /v1 with it', () => {
      for (const { path, op } of operationsOf(doc)) {
        if (path.startsWith('/v1/')) expect(op.security, op.operationId).to.not.be.empty;
        else expect(op.security, op.operationId).to.deep.equal([]);
      }
      expect(doc.paths?.['/v1/documents']?.post?.operationId).to.equal('submitDocument');
      const intakeHeaders = (doc.paths?.['/v1/documents']?.post?.parameters ?? []) as Array<{ in: string; name: string; schema: { enum?: string[] } }>;
      expect(intakeHeaders.find((p) => p.name === 'Kanta-Operation')?.schema.enum).to.deep.equal(['archive', 'version', 'void']);
      expect(Object.keys(doc.paths?.['/v1/documents']?.post?.requestBody && 'content' in doc.paths['/v1/documents'].post.requestBody ? doc.paths['/v1/documents'].post.requestBody.content : {})).to.include('application/xml');
    });

    it('lists every catalogue code in x-error-catalogue with its status, retryability and message', () => {
      const entries = (doc as unknown as { 'x-error-catalogue': Array<{ code: ErrorCode; status: number; retryable: boolean; message: string; operations: string[]; reportedOn?: string }> })['x-error-catalogue'];
      expect(entries.map((e) => e.code)).to.have.members(Object.keys(ERROR_CATALOGUE));
      for (const e of entries) {
        expect(e, e.code).to.deep.include({ status: ERROR_CATALOGUE[e.code].status, retryable: ERROR_CATALOGUE[e.code].retryable, message: ERROR_CATALOGUE[e.code].message });
        // Either some operation answers with it, or the catalogue says where it shows instead.
        expect(e.operations.length > 0 || e.reportedOn !== undefined, `${e.code} is neither answered by a route nor reported elsewhere`).to.equal(true);
      }
      const errorCode = doc.components?.schemas?.ErrorCode as { enum: string[] };
      expect(errorCode.enum).to.have.members(Object.keys(ERROR_CATALOGUE));
    });

    it('gives each route one error response per status, listing in x-error-codes the codes it can answer with', () => {
      const ops = new Map(operationsOf(doc).map((o) => [o.op.operationId, o.op]));
      for (const spec of ROUTE_SPECS) {
        const op = ops.get(spec.operationId)!;
        const listed: ErrorCode[] = [];
        for (const [status, res] of Object.entries(op.responses)) {
          const codes = res['x-error-codes'] as ErrorCode[] | undefined;
          if (!codes) continue;
          for (const c of codes) expect(ERROR_CATALOGUE[c].status, `${spec.operationId} ${status} ${c}`).to.equal(Number(status));
          expect(resolvePointer(doc, ((res.content as Record<string, { schema: { $ref: string } }>)['application/json']!.schema.$ref))).to.equal(doc.components?.schemas?.ErrorBody);
          listed.push(...codes);
        }
        expect(listed, spec.operationId).to.have.members(errorCodesOf(spec));
      }
      const intake = ops.get('submitDocument')!;
      const intakeCodes = Object.values(intake.responses).flatMap((r) => (r['x-error-codes'] as string[] | undefined) ?? []);
      for (const area of ['INTAKE_', 'ROUTE_', 'RIGHT_', 'AUTH_']) {
        for (const code of Object.keys(ERROR_CATALOGUE).filter((c) => c.startsWith(area))) expect(intakeCodes, code).to.include(code);
      }
      expect(intakeCodes).to.include('QUEUE_UNAVAILABLE');
      // An authenticated route can be refused authentication; a service route cannot.
      expect(Object.keys(ops.get('getHealthz')!.responses)).to.not.include('401');
      expect(ops.get('getOpsQueues')!.responses['403']!['x-error-codes']).to.deep.equal(['AUTH_FORBIDDEN_ROLE']);
    });
  });

  describe('request validation from the spec', () => {
    const probe = defineRoute({
      operationId: 'probe',
      method: 'post',
      path: '/probe/:oid',
      summary: 'probe',
      tags: [],
      auth: 'ops',
      request: {
        params: z.object({ oid: z.string().regex(/^[0-2](\.\d+)+$/, 'must be an OID') }),
        query: z.object({ limit: z.coerce.number().int().min(1).optional() }),
        body: { mediaTypes: ['application/json'], schema: z.strictObject({ name: z.string() }), description: 'x', required: true, parse: 'json' },
      },
      responses: { 200: { description: 'ok', content: { 'application/json': z.object({ oid: z.string(), limit: z.number().optional(), name: z.string() }) } } },
      errors: [],
    });
    // The intake spec as the integrator will mount it: the raw body is read only after the headers pass.
    const intakeHeaders = defineRoute({ ...intakeSpec, path: '/intake-headers' });
    let bodiesRead = 0;
    let http: Server;
    let base: string;
    before(async () => {
      const app = express();
      app.use((req: Request, res: Response, next: NextFunction) => {
        if (req.header('x-test-caller') === 'ops') setCaller(res, { kind: 'ops', id: 'ops-1', role: 'operator' });
        else if (req.header('x-test-caller') === 'tenant') setCaller(res, { kind: 'tenant', tenant: tenantOfConfig(fixtureConfig().config, 't-region-a') });
        next();
      });
      const router = express.Router();
      mountRoute(router, probe, ({ params, query, body }, _req, res) => {
        res.json({ oid: params.oid, ...(query.limit !== undefined ? { limit: query.limit } : {}), name: body.name });
      }, { before: [express.json()] });
      const readBody = (req: Request, res: Response, next: NextFunction) => {
        bodiesRead += 1;
        express.raw({ type: () => true })(req, res, next);
      };
      mountRoute(router, intakeHeaders, ({ headers }, _req, res) => {
        res.json({ operation: headers['Kanta-Operation'] ?? null });
      }, { before: [readBody] });
      app.use(router);
      app.use(errorHandler(silent));
      ({ http, base } = await listen(app));
    });
    after(() => http?.close());

    const post = async (path: string, body: unknown, headers: Record<string, string> = { 'x-test-caller': 'ops' }) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    it('hands the handler the parsed, typed input', async () => {
      expect(await post('/probe/1.2.3?limit=5', { name: 'a' })).to.deep.equal({ status: 200, body: { oid: '1.2.3', limit: 5, name: 'a' } });
    });

    it('answers REQUEST_INVALID naming every failing field by location and path', async () => {
      const issuesOf = (r: { body: Record<string, any> }) => (r.body.error.details.issues as Array<{ in: string; path: string }>).map((i) => `${i.in}:${i.path}`);
      // Path, query and headers are checked before the body is parsed; the body after.
      const envelope = await post('/probe/not-an-oid?limit=0', { name: 1, extra: true });
      expect([envelope.status, envelope.body.error.code]).to.deep.equal([400, 'REQUEST_INVALID']);
      expect(issuesOf(envelope)).to.have.members(['params:oid', 'query:limit']);
      expect(envelope.body.error.message).to.contain('params.oid: must be an OID');
      const body = await post('/probe/1.2.3', { name: 1, extra: true });
      expect([body.status, body.body.error.code]).to.deep.equal([400, 'REQUEST_INVALID']);
      expect(issuesOf(body)).to.have.members(['body:name', 'body:']);
      const missing = await fetch(`${base}/probe/1.2.3`, { method: 'POST', headers: { 'x-test-caller': 'ops' } });
      expect(missing.status).to.equal(400);
      expect(((await missing.json()) as Record<string, any>).error.details.issues).to.deep.equal([{ in: 'body', path: '', message: 'a JSON body (application/json) is required' }]);
    });

    it('checks the role before the body: a tenant gets 403 whatever it sent', async () => {
      const r = await post('/probe/not-an-oid', '{"broken', { 'x-test-caller': 'tenant' });
      expect([r.status, r.body.error.code]).to.deep.equal([403, 'AUTH_FORBIDDEN_ROLE']);
    });

    it('answers a field\'s declared code: the intake headers give 415 and INTAKE_UNKNOWN_OPERATION as intake does', async () => {
      const xml = { 'content-type': 'application/xml', 'x-test-caller': 'tenant' };
      const send = async (headers: Record<string, string>) => {
        const res = await fetch(`${base}/intake-headers`, { method: 'POST', headers, body: '<x/>' });
        return { status: res.status, body: (await res.json()) as Record<string, any> };
      };
      expect((await send({ ...xml, 'kanta-operation': ' Version ' })).body).to.deep.equal({ operation: 'version' });
      expect((await send({ ...xml, 'kanta-operation': '' })).body).to.deep.equal({ operation: null });
      expect((await send({ ...xml, 'content-type': 'text/xml; charset=utf-8' })).body).to.deep.equal({ operation: null });
      const unknown = await send({ ...xml, 'kanta-operation': 'delete' });
      expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).to.deep.equal([400, 'INTAKE_UNKNOWN_OPERATION', ERROR_CATALOGUE.INTAKE_UNKNOWN_OPERATION.message]);
      const read = bodiesRead;
      // application/json is an intake format too (a JSON submission); plain text is not.
      const json = await send({ 'content-type': 'text/plain', 'x-test-caller': 'tenant' });
      expect([json.status, json.body.error.code]).to.deep.equal([415, 'INTAKE_UNSUPPORTED_MEDIA_TYPE']);
      expect(bodiesRead, 'a refused request\'s body is not read').to.equal(read);
      expect(read).to.equal(3);
    });
  });

  describe('responses match their schemas (real Redis)', () => {
    const server = useRedis();
    const SECRET = 'openapi-secret';
    const { config, version } = fixtureConfig();
    const index = buildRoutingIndex(config, version);
    const mismatches: string[] = [];
    let checked = 0;
    let redis: Redis;
    let store: DocumentStore;
    let http: Server;
    let base: string;

    /** Checks every JSON answer of a spec'd route against its response schema; unknown fields count as a mismatch. */
    function checkResponses(req: Request, res: Response, next: NextFunction): void {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const spec = req.route ? specOfRoute(req.route as object) : undefined;
        const schema = spec?.responses[res.statusCode]?.content?.['application/json'];
        if (spec && res.statusCode < 400) {
          checked += 1;
          const parsed = schema?.safeParse(body);
          if (!parsed?.success) mismatches.push(`${routeKey(spec)} ${res.statusCode}: ${parsed ? parsed.error.message : 'no schema'}`);
          else if (!isDeepStrictEqual(JSON.parse(JSON.stringify(parsed.data)), JSON.parse(JSON.stringify(body)))) mismatches.push(`${routeKey(spec)} ${res.statusCode}: fields outside the schema`);
        }
        return json(body);
      };
      next();
    }

    before(async () => {
      redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      const rights = new RegistryRightStore(redis, { prefix: 'oa', clientKeySecret: SECRET });
      const journal = new RoutingJournal(redis, { prefix: 'oa', max: 100 });
      const log = new AuditLog(redis, { prefix: 'oa', clientKeySecret: SECRET });
      const app = express();
      app.use(checkResponses);
      app.use((req: Request, res: Response, next: NextFunction) => {
        const who = req.header('x-test-caller');
        if (who === 'ops') setCaller(res, { kind: 'ops', id: 'ops-1', role: 'operator' });
        else if (who) setCaller(res, { kind: 'tenant', tenant: tenantOfConfig(config, who) });
        next();
      });
      app.use(registryRightsRouter({ rights, index: () => index, audit: log }));
      app.use(routingDryRunRouter({ journal, rights, current: () => ({ config, version, index }) }));
      app.use(auditRouter({ log, index: () => index }));
      store = new DocumentStore(redis, 'oa');
      app.use(statusRouter({ store, audit: log }));
      app.use(errorHandler(silent));
      ({ http, base } = await listen(app));
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
      return { status: res.status, text: await res.text() };
    };

    it('registry rights, the dry run and the usage log export answer what their schemas say', async () => {
      const hetu = makeHetu(9, 9, 2019, 971);
      const entries = { '24': [{ unit: UNIT.provD1, start: '2026-02-01', end: '2026-03-28' }, { unit: UNIT.co1, start: '2026-01-01' }] };
      expect((await call('PUT', '/v1/registry-rights', 't-region-a', { organizer: ORG.regionA, client: { extension: hetu }, entries })).status).to.equal(200);
      expect((await call('POST', '/v1/registry-rights/search', 't-region-a', { client: { extension: hetu }, history: true })).status).to.equal(200);
      expect((await call('POST', '/v1/registry-rights/search', 't-joint', { client: { extension: hetu }, history: true })).status).to.equal(200);
      expect((await call('POST', '/v1/routing/dry-run?all=true', 'ops', rawConfig())).status).to.equal(200);

      const exported = await call('GET', `/v1/audit/${ORG.regionA}`, 'ops');
      expect(exported.status).to.equal(200);
      const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(lines.length).to.be.greaterThan(2);
      for (const line of lines) expect(auditRecordSchema.parse(line)).to.deep.equal(line);

      expect(checked).to.equal(4);
      expect(mismatches).to.deep.equal([]);
    });

    it('a document\'s status answers what its schema says, with signature, ack and history', async () => {
      const documentId = '1.2.246.10.1001.95.7001';
      const created = await store.create(
        {
          tenant: 't-region-a',
          documentId,
          setId: documentId,
          versionNumber: 1,
          operation: 'archive',
          documentGroup: 'test',
          controller: ORG.regionA,
          accessPoint: 'ap-1',
          signingIdentity: 'sig-gw',
          usage: 'ownUse',
          writerOrganisation: ORG.regionA,
          ruleId: 'R-OWN-REGISTRY',
          decision: testDecision({ controller: ORG.regionA, right: { unit: UNIT.provD1, start: '2026-01-01', task: '24' } }),
          dependsOn: [],
        },
        Buffer.from('<ClinicalDocument/>'),
      );
      expect(created.created).to.equal(true);
      await parkForTest(store, { tenant: 't-region-a', documentId }, { code: 'KANTA_REJECTED', text: 'refused', ack: { action: 'park', messageId: 'm-1', typeCode: 'AE', details: [{ code: 'X' }] } });
      const before = checked;
      expect((await call('GET', `/v1/documents/${documentId}`, 't-region-a')).status).to.equal(200);
      const submissionId = created.created ? created.record.submissionId : '';
      expect((await call('GET', `/v1/documents/${submissionId}`, 't-region-a')).status).to.equal(200);
      expect(checked - before).to.equal(2);
      expect(mismatches).to.deep.equal([]);
    });

    it('health, readiness and the description answer what their schemas say', async () => {
      let shuttingDown = false;
      const app = fullApp({ configLoaded: () => ({ version }), pingRedis: async () => (await redis.ping()) === 'PONG', shuttingDown: () => shuttingDown });
      const { http: h, base: b } = await listen(app);
      try {
        const specs = new Map(ROUTE_SPECS.map((s) => [routeKey(s), s]));
        const check = async (path: string, status: number) => {
          const res = await fetch(`${b}${path}`);
          expect(res.status, path).to.equal(status);
          const schema = specs.get(`GET ${path}`)!.responses[status]!.content!['application/json']!;
          const body = (await res.json()) as unknown;
          expect(schema.parse(body), path).to.deep.equal(body);
        };
        await check('/healthz', 200);
        await check('/readyz', 200);
        shuttingDown = true;
        await check('/readyz', 503);
        await check('/openapi.json', 200);
        const metrics = await fetch(`${b}/metrics`);
        expect([metrics.status, metrics.headers.get('content-type')?.startsWith('text/plain')]).to.deep.equal([200, true]);
      } finally {
        h.close();
      }
    });
  });

  it('openApiPath turns express parameters into OpenAPI templates', () => {
    expect(openApiPath('/v1/ops/controllers/:oid/pause')).to.equal('/v1/ops/controllers/{oid}/pause');
    expect(() => buildOpenApiDocument([...ROUTE_SPECS, ROUTE_SPECS[0]!])).to.throw(/duplicate operationId/);
  });
});
