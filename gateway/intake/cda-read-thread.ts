// One thread of the intake's CDA reader pool: reads a CDA XML body exactly as the event loop would
// (adapters/intake/cda-xml.ts) and answers with what it read or the coded error it met.
import { parentPort } from 'node:worker_threads';
import { readCdaXml } from '../../adapters/intake/cda-xml.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ReadReply, ReadRequest } from './cda-read-protocol.ts';

parentPort!.on('message', (req: ReadRequest) => {
  let reply: ReadReply;
  try {
    const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
    const { cda: _bytes, ...parsed } = readCdaXml(body, req.requestedOperation, req.limits);
    reply = { id: req.id, ok: true, parsed };
  } catch (err) {
    reply =
      err instanceof GatewayError
        ? { id: req.id, ok: false, error: { code: err.code, message: err.message, ...(err.ruleId ? { ruleId: err.ruleId } : {}), ...(err.details ? { details: err.details } : {}) } }
        : { id: req.id, ok: false, error: { message: (err as Error)?.message ?? String(err) } };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });
