// POST /v1/documents — HTTP only: pick the intake format by Content-Type (415 before the body is read),
// read the raw body within the configured limit, run the intake stages (gateway/intake/run-intake.ts)
// and render the receipt: 202 for a new document, 200 for a resubmission of the same bytes.
import express, { type Request, type Response, type Router } from 'express';
import { parseActingPersonHeaders } from '../../adapters/cda/acting-person-headers.ts';
import { tenantOf } from '../caller.ts';
import { formatFor, INTAKE_FORMATS, type IntakeFormat } from '../intake/formats.ts';
import { runIntake, type IntakeDeps } from '../intake/run-intake.ts';
import { receiptOf } from './receipt.ts';

export interface IntakeRouteDeps extends IntakeDeps {
  bodyLimitBytes: () => number;
  formats?: readonly IntakeFormat[];
}

export function intakeRouter(deps: IntakeRouteDeps): Router {
  const router = express.Router();
  const formats = deps.formats ?? INTAKE_FORMATS;

  const chooseFormat = (req: Request, res: Response, next: (err?: unknown) => void) => {
    try {
      res.locals.intakeFormat = formatFor(req.header('content-type'), formats);
      next();
    } catch (err) {
      next(err);
    }
  };
  // The limit is read per request so a configuration reload applies without restart.
  const rawBody = (req: Request, res: Response, next: (err?: unknown) => void) => express.raw({ type: () => true, limit: deps.bodyLimitBytes() })(req, res, next);

  router.post('/v1/documents', chooseFormat, rawBody, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const requestedOperation = req.header('kanta-operation');
    const result = await runIntake(tenantOf(res), { format: res.locals.intakeFormat as IntakeFormat, body, actingPerson: () => parseActingPersonHeaders(req.headers), ...(requestedOperation !== undefined ? { requestedOperation } : {}) }, deps);
    if (result.kind === 'resubmitted') {
      res.status(200).json(receiptOf(result.record));
      return;
    }
    res.status(202).location(`/v1/documents/${encodeURIComponent(result.record.documentId)}`).json(receiptOf(result.record));
  });
  return router;
}
