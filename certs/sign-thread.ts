// Body of one SignerPool worker thread: loads the signing identities itself (keys never cross the
// thread boundary; only config paths and the environment do), signs on request, optionally verifies
// its own output, and answers errors as plain {code, message, details} because class instances do
// not survive structured cloning.
import { parentPort, workerData } from 'node:worker_threads';
import { errorCodeOf } from '../domain/errors.ts';
import type { SigningIdentityConfig } from '../config/schema.ts';
import { SigningKeyStore } from './keystore.ts';
import { signSystem } from './system-signer.ts';
import { verifyDocumentSignatures } from './verify.ts';
import { checkOwnSignature } from './self-check.ts';
import type { BatchResult, PlainError, ToThread, FromThread } from './sign-thread-protocol.ts';

interface ThreadData {
  identities: SigningIdentityConfig[];
  env: NodeJS.ProcessEnv;
  selfCheck: boolean;
}

function plain(err: unknown): PlainError {
  const e = err as { message?: string; details?: Record<string, unknown> };
  // A stack overflow (or another RangeError) comes from the document's own shape and happens again on
  // every try: park it (SIGN_DOCUMENT_UNSIGNABLE) instead of retrying it for the whole budget.
  const unsignable = err instanceof RangeError;
  return { code: errorCodeOf(err) ?? (unsignable ? 'SIGN_DOCUMENT_UNSIGNABLE' : 'SIGN_FAILED'), message: String(e?.message ?? err).slice(0, 500), ...(e?.details ? { details: e.details } : {}) };
}

const port = parentPort;
if (!port) throw new Error('sign-thread.ts runs only as a worker thread');
const data = workerData as ThreadData;
const post = (msg: FromThread) => port.postMessage(msg);

let store: SigningKeyStore | undefined;
try {
  store = new SigningKeyStore(data.identities, data.env);
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'ready', error: plain(err) });
}

function signOne(keys: SigningKeyStore, identityId: string, xml: string, at: number | undefined) {
  const now = at === undefined ? new Date() : new Date(at);
  const credential = keys.current(identityId, now);
  const selfCheck = data.selfCheck ? (signed: string, signatureId: string) => checkOwnSignature(signed, signatureId, credential.certificate, now) : undefined;
  return signSystem(xml, credential, { now, ...(selfCheck ? { selfCheck } : {}) });
}

port.on('message', (msg: ToThread) => {
  if (!store) return;
  if (msg.type === 'sign') {
    try {
      const result = signOne(store, msg.identityId, msg.xml, msg.now);
      post({ type: 'signed', id: msg.id, signedXml: result.signedXml, receipt: result.receipt });
    } catch (err) {
      post({ type: 'failed', id: msg.id, error: plain(err) });
    }
  } else if (msg.type === 'signBatch') {
    // One answer for the batch; each document succeeds or fails on its own.
    const results: BatchResult[] = msg.items.map((item) => {
      try {
        const r = signOne(store!, msg.identityId, item.xml, item.now);
        return { ok: true, signedXml: r.signedXml, receipt: r.receipt };
      } catch (err) {
        return { ok: false, error: plain(err) };
      }
    });
    post({ type: 'signedBatch', id: msg.id, results });
  } else if (msg.type === 'verify') {
    try {
      const { now, ...rest } = msg.options;
      const result = verifyDocumentSignatures(msg.xml, { ...rest, ...(now !== undefined ? { now: new Date(now) } : {}) });
      post({ type: 'verified', id: msg.id, result });
    } catch (err) {
      post({ type: 'failed', id: msg.id, error: plain(err) });
    }
  } else if (msg.type === 'reload') {
    try {
      store.reload(msg.identities ?? undefined);
      post({ type: 'reloaded', id: msg.id });
    } catch (err) {
      post({ type: 'reloaded', id: msg.id, error: plain(err) });
    }
  }
});
