// The Kanta-native endpoint (issue 12), HTTP only: GET {path}?wsdl serves the WSDL; POST {path} takes a
// certified client system's SOAP 1.1 archive, version or void message and answers in Kanta's own format
// (MCCI_IN000002UV01, targetMessage = the tenant's message id). Translation is the adapter's
// (adapters/intake/kanta-native/); the document passes exactly the stages every intake form passes
// (run-intake.ts). After acceptance the request is held up to kantaNative.holdSeconds for the archive's
// acknowledgement, which is relayed; a resend of the same document is answered from the stored outcome
// and never queued twice. The 'Hae asiakkuus' query goes to an injected handler (kantaNativeQuery).
import express, { type Request, type Response, type Router } from 'express';
import { buildNativeAck } from '../../adapters/intake/kanta-native/native-ack.ts';
import { interactionOf, parseNativeEnvelope, readWrapper, type NativeWrapper } from '../../adapters/intake/kanta-native/native-request.ts';
import { renderNativeWsdl } from '../../adapters/intake/kanta-native/native-wsdl.ts';
import { soapActionFor } from '../../adapters/kanta/soap-envelope.ts';
import type { KantaCodes, KantaNativeConfig, Tenant } from '../../config/schema.ts';
import type { DocumentRecord } from '../../domain/document-record.ts';
import { TERMINAL_STATUSES } from '../../domain/document-record.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { CredentialIndex } from '../auth.ts';
import { kantaNativeFormat } from '../intake/formats.ts';
import { runIntake, type IntakeDeps } from '../intake/run-intake.ts';
import { checkCharset } from '../routes/intake.ts';
import { answerForError, answerForRecord, type NativeAnswer } from './native-answer.ts';
import type { OutcomeWaiter } from './outcome-waiter.ts';
import { tenantOfCertificate } from './tenant-certificate.ts';

/** The seam for the 'Hae asiakkuus' relay (gateway/query-relay/): the raw SOAP request in, the raw answer out. */
export type KantaNativeQueryHandler = (input: { tenant: Tenant; body: Buffer; contentType: string; soapAction?: string }) => Promise<{ status: number; contentType: string; body: Buffer | string }>;

export interface KantaNativeRouteDeps extends IntakeDeps {
  config: () => KantaNativeConfig;
  codes: () => KantaCodes;
  credentials: () => CredentialIndex;
  /** Largest request (kantaNative.bodyLimitBytes, else derived from gateway.bodyLimitBytes). */
  bodyLimitBytes: () => number;
  bodyReadTimeoutMs?: () => number;
  waiter: Pick<OutcomeWaiter, 'wait'>;
  /** The gateway's own device id for a tenant (its access point's senderId): the answers' message id root. */
  gatewayDeviceId: (tenant: Tenant | undefined) => string;
  /** Absent: the query is answered with NATIVE_QUERY_UNAVAILABLE. */
  kantaNativeQuery?: KantaNativeQueryHandler;
}

const SOAP_11_MEDIA_TYPE = /^text\/xml\s*(;|$)/i;
const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** Derived limit: the CDA travels Base64 (4/3) inside a frame of a few kilobytes. */
export function nativeBodyLimit(native: Pick<KantaNativeConfig, 'bodyLimitBytes'>, gatewayBodyLimitBytes: number): number {
  return native.bodyLimitBytes ?? Math.ceil(gatewayBodyLimitBytes * 1.4) + 64 * 1024;
}

/** The body within the limit and time; a coded refusal otherwise (the connection closes: the rest is never read). */
function readBody(req: Request, res: Response, limit: number, timeoutMs: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const drop = (err: GatewayError) => {
      cleanup();
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroy());
      req.pause();
      reject(err);
    };
    if (Number(req.header('content-length') ?? 0) > limit) return drop(new GatewayError('INTAKE_BODY_TOO_LARGE'));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return drop(new GatewayError('INTAKE_BODY_TOO_LARGE'));
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new GatewayError('REQUEST_MALFORMED', undefined, { cause: err }));
    };
    const timer = timeoutMs ? setTimeout(() => drop(new GatewayError('REQUEST_TIMEOUT', undefined, { details: { limitMs: timeoutMs } })), timeoutMs) : undefined;
    function cleanup() {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError);
    }
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

export function kantaNativeRouter(deps: KantaNativeRouteDeps): Router {
  const router = express.Router();
  const path = () => deps.config().path;

  router.get(/.*/, (req, res, next) => {
    if (req.path !== path() || !('wsdl' in req.query)) return next();
    const location = `https://${req.headers.host ?? 'localhost'}${path()}`;
    res.status(200).type('text/xml; charset=utf-8').send(renderNativeWsdl(deps.codes(), location));
  });

  router.post(/.*/, async (req, res, next) => {
    if (req.path !== path()) return next();
    let tenant: Tenant | undefined;
    let wrapper: NativeWrapper | undefined;
    const answer = (a: NativeAnswer) => {
      const xml = buildNativeAck({
        typeCode: a.typeCode,
        ...(wrapper?.messageId ? { target: wrapper.messageId } : {}),
        ...(wrapper?.senderId ? { receiverId: wrapper.senderId } : {}),
        ...(wrapper?.receiverId ? { senderId: wrapper.receiverId } : deps.config().deviceId ? { senderId: deps.config().deviceId } : {}),
        ...(wrapper?.processingCode ? { processingCode: wrapper.processingCode } : {}),
        details: a.details,
        now: new Date(),
        messageIdRoot: deps.config().deviceId ?? deps.gatewayDeviceId(tenant),
      });
      res.status(200).type(XML_CONTENT_TYPE).send(xml);
    };
    try {
      let refused: unknown;
      try {
        tenant = tenantOfCertificate(req, deps.credentials());
      } catch (err) {
        // Without a trusted certificate nothing is read; a trusted but unregistered one still gets its answer addressed.
        if (!(req.socket as { authorized?: boolean }).authorized) throw err;
        refused = err;
      }
      const contentType = req.header('content-type') ?? '';
      if (!SOAP_11_MEDIA_TYPE.test(contentType)) throw refused ?? new GatewayError('INTAKE_UNSUPPORTED_MEDIA_TYPE', 'The Kanta-native endpoint takes SOAP 1.1 (Content-Type: text/xml)');
      checkCharset(contentType);
      const body = await readBody(req, res, deps.bodyLimitBytes(), deps.bodyReadTimeoutMs?.());
      let message: Element;
      try {
        message = parseNativeEnvelope(body, deps.xmlLimits?.());
      } catch (err) {
        throw refused ?? err;
      }
      wrapper = readWrapper(message);
      if (refused || !tenant) throw refused;
      const codes = deps.codes();
      const interaction = interactionOf(message, wrapper, codes);
      const soapAction = req.header('soapaction');
      if (soapAction !== undefined && soapAction !== '' && soapAction !== '""' && soapAction !== soapActionFor(wrapper.rootName) && soapAction !== soapActionFor(wrapper.rootName).slice(1, -1)) {
        throw new GatewayError('NATIVE_FRAME_INVALID', 'SOAPAction names another interaction than the message', { details: { field: 'SOAPAction' } });
      }
      if (interaction === 'queryClientRelationship') {
        if (!deps.kantaNativeQuery) throw new GatewayError('NATIVE_QUERY_UNAVAILABLE');
        const out = await deps.kantaNativeQuery({ tenant, body, contentType, ...(soapAction !== undefined ? { soapAction } : {}) });
        res.status(out.status).type(out.contentType).send(out.body);
        return;
      }
      const result = await runIntake(tenant, { format: kantaNativeFormat({ codes: deps.codes }), body, requestedOperation: interaction }, deps);
      let record: DocumentRecord = result.record;
      if (!TERMINAL_STATUSES.has(record.status)) record = (await deps.waiter.wait(tenant.id, record.documentId, deps.config().holdSeconds * 1000)) ?? record;
      answer(answerForRecord(record, deps.config().pendingAnswer));
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code === 'INTERNAL') deps.logger.error('kanta-native request failed', { tenant: tenant?.id, error: (err as Error).message });
      if (res.headersSent) return;
      answer(answerForError(err, deps.config().pendingAnswer));
    }
  });
  return router;
}
