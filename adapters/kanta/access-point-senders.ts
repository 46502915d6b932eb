// The gateway's way to Kanta, built as layers that each hold the next (undici's Agent → Pool → Client):
//   AccessPointSenders   one entry per configured access point, rebuilt whole on a configuration change
//     └ rate-limited     waits for the access point's send budget (maxRequestsPerSecond), if it has one
//         └ KantaClient  build → bind → POST over mTLS → parse → classify (kanta-client.ts)
// It implements the queue's DocumentSender port and the routing's "Hae asiakkuus" lookup.
import { loadCredential } from '../../certs/credential.ts';
import type { AccessPoint, Config } from '../../config/schema.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { DocumentSender, OutboundDocument, SendResult } from '../../domain/ports.ts';
import { readDocumentMetadata } from '../cda/read-metadata.ts';
import { parseXmlSafely } from '../xml/safe-parse.ts';
import { KantaClient, type SendOutcome } from './kanta-client.ts';
import type { ClientRelationshipAnswer } from './query-answer.ts';
import type { ClientRelationshipQuery } from './query-builder.ts';

/** Waits until one more request may go out (a token bucket, or a budget shared through Redis). */
export interface SendLimiter {
  take(): Promise<void>;
}

export interface AccessPointSendersOptions {
  env: NodeJS.ProcessEnv;
  /** The send budget of an access point, or undefined for none. */
  limiterFor(ap: AccessPoint): SendLimiter | undefined;
  /** Replaces the Kanta client (tests). */
  clientFactory?: (ap: AccessPoint, config: Config) => KantaClient;
}

/** The queue's view of one send: the archive's classified answer, never a throw for what Kanta or the network did. */
export function toSendResult(o: SendOutcome): SendResult {
  const firstError = o.ack?.details.find((d) => d.typeCode === undefined || d.typeCode === 'E');
  const code = o.error?.code ?? o.decidedBy ?? firstError?.code;
  const text = o.error?.message ?? firstError?.text;
  return {
    action: o.action,
    messageId: o.messageId,
    ...(code ? { code } : {}),
    ...(text ? { text } : {}),
    transportFailure: o.transportFailure,
    ...(o.error?.retryAfterSeconds !== undefined ? { retryAfterSeconds: o.error.retryAfterSeconds } : {}),
    ...(o.ack ? { ack: { typeCode: o.ack.typeCode, details: o.ack.details.map((d) => ({ typeCode: d.typeCode, code: d.code, text: d.text })) } } : {}),
    durationMs: o.durationMs,
  };
}

/** One access point's layers: its budget, then its client. */
class RateLimitedAccessPoint {
  constructor(
    readonly client: KantaClient,
    private readonly limiter: SendLimiter | undefined,
  ) {}

  async send(doc: OutboundDocument): Promise<SendResult> {
    // The header was read at intake and travels on the record; only a record stored before the header
    // was kept needs the signed bytes read again.
    const metadata = doc.metadata ?? readDocumentMetadata(parseXmlSafely(doc.signedCda.toString('utf8')));
    await this.limiter?.take();
    return toSendResult(await this.client.send({ ...doc, metadata }));
  }

  async query(q: ClientRelationshipQuery): Promise<ClientRelationshipAnswer> {
    await this.limiter?.take();
    return this.client.queryClientRelationship(q);
  }
}

export class AccessPointSenders implements DocumentSender {
  private accessPoints = new Map<string, RateLimitedAccessPoint>();

  constructor(private readonly opts: AccessPointSendersOptions) {}

  /** Builds every access point of `config`; the old clients close once the new ones are in place. */
  rebuild(config: Config): void {
    const next = new Map<string, RateLimitedAccessPoint>();
    for (const ap of config.kanta.accessPoints) next.set(ap.id, new RateLimitedAccessPoint((this.opts.clientFactory ?? this.clientFor.bind(this))(ap, config), this.opts.limiterFor(ap)));
    const old = this.accessPoints;
    this.accessPoints = next;
    for (const a of old.values()) void a.client.close();
  }

  private clientFor(ap: AccessPoint, config: Config): KantaClient {
    const src = ap.tls?.client;
    // PKCS#12 client identities are opened by the keystore; PEM ones the adapter reads itself.
    if (src && 'p12File' in src) {
      const cred = loadCredential(src, this.opts.env);
      const keyPem = cred.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return new KantaClient(ap, config.kanta.codes, { tlsClient: { certPem: cred.certificatePem, keyPem } });
    }
    return new KantaClient(ap, config.kanta.codes);
  }

  private accessPoint(id: string): RateLimitedAccessPoint {
    const ap = this.accessPoints.get(id);
    if (!ap) throw new GatewayError('ROUTE_NO_ACCESS_POINT', `Access point ${id} is not configured`);
    return ap;
  }

  send(accessPointId: string, doc: OutboundDocument): Promise<SendResult> {
    return this.accessPoint(accessPointId).send(doc);
  }

  /** "Hae asiakkuus" through an access point. */
  queryClientRelationship(accessPointId: string, q: ClientRelationshipQuery): Promise<ClientRelationshipAnswer> {
    return this.accessPoint(accessPointId).query(q);
  }

  async close(): Promise<void> {
    await Promise.all([...this.accessPoints.values()].map((a) => a.client.close()));
  }
}
