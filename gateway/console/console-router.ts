// The ops console under /ops/: server-rendered pages over the same operations as the JSON API
// (routes/ops.ts opsActions, gateway/ops/), for named operators. Reads for either role; the operator
// role for pause, resume, rerun and reload — checked here on every POST, whatever the page showed.
// Each POST carries the session's CSRF token and, when the browser sends one, an Origin of this very
// gateway. Responses are never cached and may load only the console's own stylesheet and script.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { GatewayError, errorCodeOf, ERROR_CATALOGUE } from '../../domain/errors.ts';
import { operatorByCertificate, sha256Hex, type CredentialIndex } from '../auth.ts';
import { rerunPreviewBodySchema } from '../api/ops-api.ts';
import { OID_PATTERN } from '../../domain/values.ts';
import type { Logger } from '../logger.ts';
import { MAX_DRY_RUN_BYTES } from '../ops/config-dry-run.ts';
import { MAX_RERUN, parkedPage as readParkedPage, rerunPreview, type ParkedFilter } from '../ops/parked-documents.ts';
import { opsActions, type OpsDeps } from '../routes/ops.ts';
import { CONSOLE_CSS, CONSOLE_JS, type PageViewer } from './console-html.ts';
import { ConsoleSessions, SESSION_COOKIE, clearedCookie, csrfMatches, readCookie, sessionCookie } from './console-session.ts';
import { certificatesPage } from './certificates-page.ts';
import { configPage } from './config-page.ts';
import { documentPage } from './document-page.ts';
import { errorPage, loginPage } from './login-page.ts';
import { overviewPage } from './overview-page.ts';
import { parkedPage, previewPage } from './parked-page.ts';
import { taskPage, tasksPage } from './task-page.ts';

export interface ConsoleDeps {
  ops: OpsDeps;
  sessions: ConsoleSessions;
  credentials: () => CredentialIndex;
  logger: Logger;
}

const TENANT_ID = /^[a-z0-9-]+$/;
const UUID = z.uuid();

/** Operators of the configuration in force by name, with their role. */
function operatorsNow(idx: CredentialIndex): Map<string, 'viewer' | 'operator'> {
  const out = new Map<string, 'viewer' | 'operator'>();
  for (const c of [...idx.byTokenDigest.values(), ...(idx.operatorsByCertificate?.values() ?? [])]) if (c.kind === 'ops') out.set(c.id, c.role);
  return out;
}

/** Form fields of a filter; empty inputs are absent, and the values pass the API's own schema. */
function filterOf(source: Record<string, unknown>): ParkedFilter {
  const pick = Object.fromEntries(['code', 'tenant', 'controller', 'from', 'to'].flatMap((k) => (typeof source[k] === 'string' && source[k] !== '' ? [[k, (source[k] as string).trim()]] : [])));
  const r = rerunPreviewBodySchema.safeParse(pick);
  if (!r.success) throw new GatewayError('REQUEST_INVALID', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data as ParkedFilter;
}

export function consoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  const actions = opsActions(deps.ops);
  const secure = (req: Request) => req.secure;

  router.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    res.setHeader('x-content-type-options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on form posts, and the Origin check below needs it.
    res.setHeader('referrer-policy', 'same-origin');
    res.setHeader('x-frame-options', 'DENY');
    next();
  });
  router.get('/console.css', (_req, res) => void res.type('text/css').send(CONSOLE_CSS));
  router.get('/console.js', (_req, res) => void res.type('text/javascript').send(CONSOLE_JS));
  router.use(express.urlencoded({ extended: false, limit: MAX_DRY_RUN_BYTES + 4096 }));

  // A form posted from another origin is refused even before its CSRF token is looked at.
  router.use((req, _res, next) => {
    if (req.method !== 'POST') return next();
    const origin = req.headers.origin;
    if (origin && origin !== `${req.protocol}://${req.headers.host}`) return next(new GatewayError('AUTH_FORBIDDEN_ROLE', 'This form came from another site'));
    next();
  });

  router.get('/login', (_req, res) => void res.type('html').send(loginPage()));
  router.post('/login', async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const caller = token ? deps.credentials().byTokenDigest.get(sha256Hex(token)) : undefined;
    if (!caller || caller.kind !== 'ops') {
      deps.logger.warn('console login refused', { reason: caller ? 'not an operator token' : 'unknown token' });
      return void res.status(401).type('html').send(loginPage('Token not recognised as an operator\'s.'));
    }
    const { sid } = await deps.sessions.create(caller.id);
    deps.logger.info('console login', { operator: caller.id, role: caller.role });
    res.setHeader('set-cookie', sessionCookie(sid, secure(req)));
    res.redirect(303, '/ops/');
  });

  // Everything else needs a session (or an operator's client certificate, which opens one).
  router.use(async (req, res, next) => {
    const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
    let session = await deps.sessions.get(sid);
    if (!session) {
      const byCert = operatorByCertificate(req, deps.credentials());
      if (byCert?.kind === 'ops') {
        const created = await deps.sessions.create(byCert.id);
        session = created.session;
        res.setHeader('set-cookie', sessionCookie(created.sid, secure(req)));
        // A POST without a session cannot carry its CSRF token yet: it starts over from the page.
        if (req.method === 'POST') return void res.redirect(303, '/ops/');
      }
    }
    const role = session ? operatorsNow(deps.credentials()).get(session.name) : undefined;
    if (!session || !role) {
      if (sid) res.setHeader('set-cookie', clearedCookie(secure(req)));
      return req.method === 'GET' ? void res.redirect(303, '/ops/login') : next(new GatewayError('AUTH_MISSING', 'Log in first'));
    }
    if (req.method === 'POST' && !csrfMatches(session, req.body?._csrf)) return next(new GatewayError('AUTH_INVALID', 'The form is stale or not from this console: reload the page'));
    res.locals.viewer = { name: session.name, role, csrf: session.csrf } satisfies PageViewer;
    res.locals.sid = sid;
    next();
  });
  const viewerOf = (res: Response) => res.locals.viewer as PageViewer;
  const operator = (res: Response) => {
    const v = viewerOf(res);
    if (v.role !== 'operator') throw new GatewayError('AUTH_FORBIDDEN_ROLE', `Operator ${v.name} has the viewer role; this action needs the operator role`);
    return v.name;
  };
  const send = (res: Response, body: string) => void res.type('html').send(body);

  router.post('/logout', async (req, res) => {
    await deps.sessions.destroy(res.locals.sid as string | undefined);
    res.setHeader('set-cookie', clearedCookie(secure(req)));
    res.redirect(303, '/ops/login');
  });

  router.get('/', async (req, res) => send(res, overviewPage(await deps.ops.overview(), viewerOf(res), typeof req.query.notice === 'string' ? req.query.notice.slice(0, 200) : undefined)));

  router.get('/documents', async (req, res) => {
    const id = typeof req.query.id === 'string' ? req.query.id.trim() : '';
    if (!id || id.length > 200) throw new GatewayError('REQUEST_INVALID', 'Give a document id or a submission id');
    send(res, documentPage(await actions.readDocument(id, viewerOf(res).name), viewerOf(res)));
  });

  router.get('/parked', async (req, res) => {
    const filter = filterOf(req.query as Record<string, unknown>);
    const offset = Math.min(100_000, Math.max(0, Number.parseInt(String(req.query.offset ?? '0'), 10) || 0));
    send(res, parkedPage(await readParkedPage(deps.ops.pipeline, filter, { offset, limit: 50 }), filter, viewerOf(res)));
  });

  router.post('/rerun/preview', async (req, res) => {
    const filter = filterOf(req.body as Record<string, unknown>);
    send(res, previewPage(await rerunPreview(deps.ops.pipeline, filter), filter, viewerOf(res)));
  });

  router.post('/rerun', async (req, res) => {
    const by = operator(res);
    const docs = ([] as unknown[]).concat(req.body?.doc ?? []).filter((d): d is string => typeof d === 'string');
    let task;
    if (docs.length > 0) {
      if (docs.length > 1000) throw new GatewayError('REQUEST_INVALID', 'Select at most 1000 documents; rerun a filter instead');
      const documents = docs.map((d) => {
        const [tenant = '', documentId = ''] = d.split(' ');
        if (!TENANT_ID.test(tenant) || !documentId) throw new GatewayError('REQUEST_INVALID', 'A selected document is malformed');
        return { tenant, documentId };
      });
      task = await actions.startRerun({ documents }, by);
    } else {
      task = await actions.startRerun({ filter: filterOf(req.body as Record<string, unknown>), limit: MAX_RERUN }, by);
    }
    res.redirect(303, `/ops/tasks/${task.id}`);
  });

  router.get('/tasks', async (_req, res) => send(res, tasksPage(await deps.ops.tasks.recent(), viewerOf(res))));
  router.get('/tasks/:id', async (req, res) => {
    if (!UUID.safeParse(req.params.id).success) throw new GatewayError('OPS_TASK_NOT_FOUND');
    send(res, taskPage(await deps.ops.tasks.require(req.params.id), viewerOf(res)));
  });

  router.post('/controllers/:oid/:action', async (req, res) => {
    const by = operator(res);
    const { oid, action } = req.params as { oid: string; action: string };
    if (!OID_PATTERN.test(oid) || (action !== 'pause' && action !== 'resume')) throw new GatewayError('REQUEST_INVALID', 'Unknown controller action');
    await actions.pauseOrResumeController(action, oid, by);
    res.redirect(303, `/ops/?notice=${encodeURIComponent(`Controller ${oid} ${action === 'pause' ? 'paused' : 'resumed'}.`)}`);
  });

  router.post('/tenants/:id/:action', async (req, res) => {
    const by = operator(res);
    const { id, action } = req.params as { id: string; action: string };
    if (!TENANT_ID.test(id) || (action !== 'pause' && action !== 'resume')) throw new GatewayError('REQUEST_INVALID', 'Unknown tenant action');
    await actions.pauseOrResumeTenant(action, id, by);
    res.redirect(303, `/ops/?notice=${encodeURIComponent(`Tenant ${id} ${action === 'pause' ? 'paused' : 'resumed'}.`)}`);
  });

  router.get('/certificates', (_req, res) => send(res, certificatesPage(deps.ops.certificates(), viewerOf(res))));
  router.get('/config', (_req, res) => send(res, configPage({ info: deps.ops.configInfo() }, viewerOf(res))));
  router.post('/config/reload', async (_req, res) => {
    const by = operator(res);
    const reload = await actions.reload(by);
    res.status(reload.ok ? 200 : 422);
    send(res, configPage({ info: deps.ops.configInfo(), reload }, viewerOf(res)));
  });
  router.post('/config/dry-run', (req, res) => {
    const text = typeof req.body?.yaml === 'string' ? req.body.yaml : '';
    if (!text.trim()) throw new GatewayError('REQUEST_INVALID', 'Paste or choose the candidate file');
    send(res, configPage({ info: deps.ops.configInfo(), dryRun: deps.ops.configDryRun(text), candidate: text }, viewerOf(res)));
  });

  // Errors as pages: the code and message, never a stack.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const code = errorCodeOf(err) ?? ((err as { type?: string }).type === 'entity.too.large' ? 'INTAKE_BODY_TOO_LARGE' : 'INTERNAL');
    const status = ERROR_CATALOGUE[code].status;
    if (code === 'INTERNAL') deps.logger.error('console error', { error: (err as Error).message });
    const message = err instanceof GatewayError ? err.message : ERROR_CATALOGUE[code].message;
    res.status(status).type('html').send(errorPage(status, code, message, res.locals.viewer as PageViewer | undefined));
  });
  return router;
}
