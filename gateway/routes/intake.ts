// POST /v1/documents — HTTP only: pick the intake format by Content-Type (415 before the body is read;
// a charset other than UTF-8 is refused, never transcoded), read the raw body within the configured
// size limit and time (bodyReadTimeoutMs: a coded 408 and the connection closes, so a client dripping
// bytes cannot hold a socket open), run the intake stages (gateway/intake/run-intake.ts) and render the
// receipt: 202 for a new document, 200 for a resubmission of the same bytes.
import express, { type Request, type Response, type Router } from 'express';
import { parseActingPersonHeaders } from '../../adapters/cda/acting-person-headers.ts';
import { GatewayError } from '../../domain/errors.ts';
import { tenantOf } from '../caller.ts';
import { formatFor, INTAKE_FORMATS, type IntakeFormat } from '../intake/formats.ts';
import { runIntake, type IntakeDeps } from '../intake/run-intake.ts';
import { receiptOf } from './receipt.ts';
import { intakeSpec } from '../api/documents-api.ts';
import { mountRoute } from '../api/mount-route.ts';

export interface IntakeRouteDeps extends IntakeDeps {
  bodyLimitBytes: () => number;
  /** How long the whole body may take to arrive; absent: only the server's requestTimeout bounds it. */
  bodyReadTimeoutMs?: () => number;
  formats?: readonly IntakeFormat[];
}

const CHARSET_PARAM = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** Refuses a Content-Type charset other than UTF-8 (the body is decoded as UTF-8 only). */
export function checkCharset(contentType: string | undefined): void {
  const m = CHARSET_PARAM.exec(contentType ?? '');
  if (m && !/^utf-?8$/i.test(m[1]!)) throw new GatewayError('INTAKE_UNSUPPORTED_CHARSET', undefined, { details: { declared: m[1]!.slice(0, 40) } });
}

/** The Kanta-Operation header once: a repeated header (joined with commas by Node) is refused. */
function operationHeader(req: Request): string | undefined {
  const raw = req.headers['kanta-operation'];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (value.includes(',') || value.length > 32) throw new GatewayError('REQUEST_HEADER_INVALID', 'Kanta-Operation must be one of archive, version, void', { details: { header: 'Kanta-Operation' } });
  return value;
}

export function intakeRouter(deps: IntakeRouteDeps): Router {
  const router = express.Router();
  const formats = deps.formats ?? INTAKE_FORMATS;

  const chooseFormat = (req: Request, res: Response, next: (err?: unknown) => void) => {
    try {
      res.locals.intakeFormat = formatFor(req.header('content-type'), formats);
      checkCharset(req.header('content-type'));
      next();
    } catch (err) {
      next(err);
    }
  };
  // The limit is read per request so a configuration reload applies without restart.
  const rawBody = (req: Request, res: Response, next: (err?: unknown) => void) => {
    const limit = deps.bodyLimitBytes();
    // A declared length over the limit is answered at once; body-parser would first drain the body.
    if (Number(req.header('content-length') ?? 0) > limit) {
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroy());
      next(new GatewayError('INTAKE_BODY_TOO_LARGE'));
      return;
    }
    const ms = deps.bodyReadTimeoutMs?.();
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      next(err);
    };
    const timer = ms
      ? setTimeout(() => {
          if (done) return;
          // Answer, then drop the connection: the rest of the body is never read.
          res.setHeader('connection', 'close');
          res.once('finish', () => req.socket.destroy());
          finish(new GatewayError('REQUEST_TIMEOUT', undefined, { details: { limitMs: ms } }));
        }, ms)
      : undefined;
    express.raw({ type: () => true, limit })(req, res, finish);
  };

  // A repeated Kanta-Operation (Node joins repeats with commas) is refused before the spec reads it as an
  // unknown operation; then the headers are checked against the route's spec, all before the body is read.
  router.use('/v1/documents', (req, res, next) => {
    try {
      if (req.method === 'POST' && req.path === '/') res.locals.requestedOperation = operationHeader(req);
      next();
    } catch (err) {
      next(err);
    }
  });
  mountRoute(router, intakeSpec, async (_input, req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const requestedOperation = res.locals.requestedOperation as string | undefined;
    const result = await runIntake(tenantOf(res), { format: res.locals.intakeFormat as IntakeFormat, body, actingPerson: () => parseActingPersonHeaders(req.headers), ...(requestedOperation !== undefined ? { requestedOperation } : {}) }, deps);
    if (result.kind === 'resubmitted') {
      res.status(200).json(receiptOf(result.record));
      return;
    }
    res.status(202).location(`/v1/documents/${encodeURIComponent(result.record.documentId)}`).json(receiptOf(result.record));
  }, { before: [chooseFormat, rawBody] });
  return router;
}
