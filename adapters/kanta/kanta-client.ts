// One Kanta access point as the send worker sees it: build → bind (SOAP or plain) → POST over mTLS →
// unwrap → parse ack → classify. send() never throws for anything Kanta or the network does: it
// returns the classified outcome so the queue decides (retry, park, reject). It throws only for
// programming and input errors (e.g. a version without an RPLC parent) as coded GatewayErrors.
import { performance } from 'node:perf_hooks';
import { GatewayError, errorCodeOf } from '../../domain/errors.ts';
import type { ErrorCode } from '../../domain/errors.ts';
import type { AccessPoint, KantaCodes } from '../../config/schema.ts';
import { buildArchiveRequest, type FrameOutboundDocument } from './message-builder.ts';
import { buildClientRelationshipQuery } from './query-builder.ts';
import type { ClientRelationshipQuery } from './query-builder.ts';
import { parseClientRelationshipAnswer } from './query-answer.ts';
import type { ClientRelationshipAnswer } from './query-answer.ts';
import { messageIdRootOf } from './transmission-wrapper.ts';
import { newMessageIdExtension } from './message-id.ts';
import { parseResponseXml, soapActionFor, unwrapResponse, wrapInSoapEnvelope } from './soap-envelope.ts';
import type { ResponseMessage, SoapFault } from './soap-envelope.ts';
import { KantaTransport, httpStatusError } from './transport.ts';
import { loadAccessPointTls } from './access-point-tls.ts';
import { parseAck } from './ack-parser.ts';
import type { ParsedAck } from './ack-parser.ts';
import { classifyAck, classifyError, classifyFault } from './ack-classification.ts';
import type { Classification, SendAction } from './ack-classification.ts';
import type { BuiltMessage, OutboundDocument } from './outbound-document.ts';

export interface KantaClientOptions {
  /** Client identity already loaded (PKCS#12 via certs/keystore.ts); otherwise ap.tls.client PEM files. */
  tlsClient?: { certPem: string; keyPem: string };
  /** CA bundle for the server certificate; otherwise ap.tls.caFile. */
  caPem?: string;
  now?: () => Date;
  /** Message id extension per send; digits, unique per send. */
  messageIdFactory?: () => string;
  /** @defaultValue 32 MiB */
  maxResponseBytes?: number;
}

export interface SendOutcome {
  action: SendAction;
  /** The message id extension of this send (root = access point messageIdRoot or senderId). */
  messageId: string;
  httpStatus?: number;
  ack?: ParsedAck;
  error?: { code: ErrorCode; message: string; retryAfterSeconds?: number };
  /** The ack detail code or SOAP faultcode that decided the action. */
  decidedBy?: string;
  /** Nothing usable was heard from the archive (timeout, reset, TLS, 5xx, 503, unreadable answer). */
  transportFailure: boolean;
  durationMs: number;
}

// Failures where the archive did not answer at all, or not readably: they feed the circuit breaker.
const TRANSPORT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['KANTA_TIMEOUT', 'KANTA_CONNECTION', 'KANTA_TLS_HANDSHAKE', 'KANTA_UNAVAILABLE', 'KANTA_HTTP_5XX', 'KANTA_BAD_RESPONSE']);

type Exchange = { httpStatus: number } & ({ kind: 'message'; element: Element } | { kind: 'fault'; fault: SoapFault });

export class KantaClient {
  readonly accessPointId: string;
  private readonly ap: AccessPoint;
  private readonly codes: KantaCodes;
  private readonly transport: KantaTransport;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(ap: AccessPoint, codes: KantaCodes, opts: KantaClientOptions = {}) {
    this.ap = ap;
    this.codes = codes;
    this.accessPointId = ap.id;
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.messageIdFactory ?? (() => newMessageIdExtension());
    const tls = loadAccessPointTls(ap, { ...(opts.tlsClient ? { tlsClient: opts.tlsClient } : {}), ...(opts.caPem ? { caPem: opts.caPem } : {}) });
    this.transport = new KantaTransport({
      url: ap.url,
      ...tls,
      maxConnections: ap.maxConnections,
      connectTimeoutMs: ap.connectTimeoutMs,
      responseTimeoutMs: ap.responseTimeoutMs,
      ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
    });
  }

  async send(doc: FrameOutboundDocument): Promise<SendOutcome> {
    const started = performance.now();
    const messageId = { root: messageIdRootOf(this.ap), extension: this.newId() };
    // Build errors are the caller's (input or config): they throw before anything is sent.
    const built = buildArchiveRequest(doc, this.ap, this.codes, { messageId, creationTime: this.now() });
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    const seen: { httpStatus?: number } = {};
    try {
      const ex = await this.exchange(built, seen);
      const httpStatus = ex.httpStatus;
      if (ex.kind === 'fault') {
        const c = classifyFault(ex.fault);
        return this.outcome(c, built, { httpStatus, durationMs: elapsed(), message: `SOAP fault ${ex.fault.faultcode}: ${ex.fault.faultstring}` });
      }
      const ack = parseAck(ex.element);
      checkTarget(ack, built);
      const c = classifyAck(ack);
      const firstError = ack.details.find((d) => d.typeCode === undefined || d.typeCode === 'E');
      return this.outcome(c, built, { httpStatus, ack, durationMs: elapsed(), ...(firstError?.text ? { message: firstError.text } : {}) });
    } catch (err) {
      const code = errorCodeOf(err);
      if (!code || !code.startsWith('KANTA_')) throw err;
      const g = err as GatewayError;
      const retryAfter = g.details?.retryAfterSeconds;
      return this.outcome(classifyError(code), built, {
        ...(seen.httpStatus !== undefined ? { httpStatus: seen.httpStatus } : {}),
        durationMs: elapsed(),
        message: g.message,
        ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
      });
    }
  }

  /** "Hae asiakkuus". Unlike send(), failures throw coded GatewayErrors: the caller is deciding a right now. */
  async queryClientRelationship(q: ClientRelationshipQuery): Promise<ClientRelationshipAnswer> {
    const messageId = { root: messageIdRootOf(this.ap), extension: this.newId() };
    const built = buildClientRelationshipQuery(q, this.ap, this.codes, { messageId, creationTime: this.now() });
    const ex = await this.exchange(built);
    if (ex.kind === 'fault') {
      const c = classifyFault(ex.fault);
      throw new GatewayError(c.error ?? 'KANTA_HTTP_4XX', `SOAP fault ${ex.fault.faultcode}: ${ex.fault.faultstring}`, { details: { faultcode: ex.fault.faultcode, httpStatus: ex.httpStatus } });
    }
    const answer = parseClientRelationshipAnswer(ex.element);
    checkTarget(answer.ack, built);
    return { ...answer, queryMessageId: built.messageId };
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async exchange(built: BuiltMessage, seen: { httpStatus?: number } = {}): Promise<Exchange> {
    const soap = this.ap.binding === 'soap';
    const body = soap ? wrapInSoapEnvelope(built.xml) : built.xml;
    const headers: Record<string, string> = soap
      ? { 'content-type': 'text/xml; charset=utf-8', soapaction: soapActionFor(built.interactionId) }
      : { 'content-type': 'application/xml' };
    const answer = await this.transport.post(body, headers);
    seen.httpStatus = answer.status;
    const statusError = httpStatusError(answer, this.transport.url, this.now());
    // A service break is a service break whatever the body says (kanta-binding.md §3).
    if (statusError?.code === 'KANTA_UNAVAILABLE') throw statusError;
    let unwrapped: ResponseMessage | SoapFault | undefined;
    const text = answer.body.toString('utf8');
    if (text.trim() !== '') {
      try {
        unwrapped = unwrapResponse(parseResponseXml(text));
      } catch (err) {
        // An unreadable error page is the status's error; an unreadable 200 is a bad response.
        if (statusError) throw statusError;
        throw err;
      }
    }
    if (unwrapped?.kind === 'fault') return { httpStatus: answer.status, kind: 'fault', fault: unwrapped };
    if (statusError) throw statusError;
    if (!unwrapped) throw new GatewayError('KANTA_BAD_RESPONSE', 'Kanta answered with an empty body', { details: { url: this.transport.url, httpStatus: answer.status, reason: 'empty' } });
    return { httpStatus: answer.status, kind: 'message', element: unwrapped.element };
  }

  private outcome(
    c: Classification,
    built: BuiltMessage,
    extra: { httpStatus?: number; ack?: ParsedAck; durationMs: number; message?: string; retryAfterSeconds?: number },
  ): SendOutcome {
    const out: SendOutcome = {
      action: c.action,
      messageId: built.messageId.extension,
      transportFailure: c.error !== undefined && TRANSPORT_CODES.has(c.error) && extra.ack === undefined,
      durationMs: extra.durationMs,
    };
    if (extra.httpStatus !== undefined) out.httpStatus = extra.httpStatus;
    if (extra.ack) out.ack = extra.ack;
    if (c.decidedBy !== undefined) out.decidedBy = c.decidedBy;
    if (c.error) {
      out.error = {
        code: c.error,
        message: extra.message ?? new GatewayError(c.error).message,
        ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      };
    }
    return out;
  }
}

/** An ack for another message would attribute someone else's result to this document. */
function checkTarget(ack: ParsedAck, built: BuiltMessage): void {
  const t = ack.targetMessageId;
  if (t && (t.root !== built.messageId.root || t.extension !== built.messageId.extension)) {
    throw new GatewayError('KANTA_BAD_RESPONSE', 'The acknowledgement is for another message', { details: { reason: 'target-mismatch' } });
  }
}
