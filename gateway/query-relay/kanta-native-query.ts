// The Kanta-native entry point of the query relay: a tenant's certified client system sends its own
// "Hae asiakkuus" (SOAP 1.1) to the gateway as it would to the archive, and gets the archive's answer
// re-addressed to it (receiver = its system, targetMessage = its message id). The translation is in
// adapters/intake/kanta-native/ (query-frame.ts reads, query-answer-frame.ts builds); the rules are the
// shared core (query-relay.ts). The soap-intake endpoint calls this through its `kantaNativeQuery`
// dependency, with exactly this signature.
//
// How each kind of refusal is answered (docs/query-relay.md):
//   envelope unreadable (media type, encoding, XML, not SOAP)  → SOAP Fault Client (HTTP 415 / 500)
//   message readable but wrong (QUERY_INVALID, bad hetu)        → AR, gateway detail code
//   not permitted (QUERY_UNIT_FOREIGN, _CUSTODIAN_FOREIGN, _NOT_PERMITTED), archive AE/AR → AE/AR, gateway detail code
//   archive or storage unavailable (KANTA_TIMEOUT, QUEUE_UNAVAILABLE, …) → SOAP Fault Server (HTTP 500 / 503)
// A provider's not-permitted answer never carries the archive's own detail (which could be NOT_FOUND).
import type { AccessPoint, KantaCodes, Tenant } from '../../config/schema.ts';
import type { XmlLimits } from '../../adapters/xml/xml-limits.ts';
import { readQueryEnvelope, readQueryMessage, readQueryWrapperIds, type KantaNativeQueryFrame } from '../../adapters/intake/kanta-native/query-frame.ts';
import { buildQueryAnswerFrame, soapEnvelopeOf, soapFaultOf, type AnswerDetail } from '../../adapters/intake/kanta-native/query-answer-frame.ts';
import { messageIdRootOf } from '../../adapters/kanta/transmission-wrapper.ts';
import { newMessageIdExtension } from '../../adapters/kanta/message-id.ts';
import { ERROR_CATALOGUE, GatewayError, errorCodeOf, type ErrorCode } from '../../domain/errors.ts';
import type { QueryRelay, RelayedAnswer } from './query-relay.ts';

export interface KantaNativeQueryInput {
  tenant: Tenant;
  body: Buffer;
  contentType: string;
  soapAction?: string;
}

export interface KantaNativeQueryReply {
  status: number;
  contentType: string;
  body: Buffer | string;
}

export interface KantaNativeQueryDeps {
  relay: QueryRelay;
  codes: () => KantaCodes;
  accessPoint: (id: string) => AccessPoint | undefined;
  xmlLimits: () => XmlLimits;
  now?: () => Date;
}

/** What soap-intake depends on (its `kantaNativeQuery`). */
export type KantaNativeQuery = (input: KantaNativeQueryInput) => Promise<KantaNativeQueryReply>;

const SOAP_TYPE = 'text/xml; charset=utf-8';

function fault(side: 'Client' | 'Server', err: GatewayError): KantaNativeQueryReply {
  const status = side === 'Client' ? (err.status === 415 ? 415 : 500) : err.status === 503 ? 503 : 500;
  return { status, contentType: SOAP_TYPE, body: soapFaultOf(side, ERROR_CATALOGUE[err.code].message, err.code) };
}

export function kantaNativeQuery(deps: KantaNativeQueryDeps): KantaNativeQuery {
  return (input) => answerKantaNativeQuery(input, deps);
}

export async function answerKantaNativeQuery(input: KantaNativeQueryInput, deps: KantaNativeQueryDeps): Promise<KantaNativeQueryReply> {
  const codes = deps.codes();
  const now = deps.now ?? (() => new Date());
  let msg: Element;
  try {
    msg = readQueryEnvelope(input.body, { contentType: input.contentType, soapAction: input.soapAction, interactionId: codes.interactions.queryClientRelationship, limits: deps.xmlLimits() });
  } catch (err) {
    if (!errorCodeOf(err) || !(err instanceof GatewayError)) throw err;
    return fault('Client', err);
  }
  const ap = deps.accessPoint(input.tenant.accessPoint);
  if (!ap) return fault('Server', new GatewayError('ROUTE_NO_ACCESS_POINT'));
  const ids = readQueryWrapperIds(msg);
  const answer = (ack: 'AA' | 'AE' | 'AR', details: AnswerDetail[], controlActProcessXml?: string): KantaNativeQueryReply => ({
    status: 200,
    contentType: SOAP_TYPE,
    body: soapEnvelopeOf(
      buildQueryAnswerFrame({
        interactionId: codes.interactions.queryResponse,
        messageId: { root: messageIdRootOf(ap), extension: newMessageIdExtension() },
        creationTime: now(),
        processingCode: ids.processingCode && ['P', 'D', 'T'].includes(ids.processingCode) ? ids.processingCode : ap.processingCode,
        receiverId: ids.senderId,
        senderId: ids.receiverId ?? ap.receiverId,
        target: ids.messageId,
        ack,
        details,
        controlActProcessXml,
      }),
    ),
  });
  const gatewayDetail = (code: ErrorCode, location?: string): AnswerDetail => ({
    typeCode: 'E',
    code,
    codeSystem: codes.gatewayDetailCodeSystem,
    text: ERROR_CATALOGUE[code].message,
    ...(location ? { location } : {}),
  });

  let frame: KantaNativeQueryFrame;
  try {
    frame = readQueryMessage(msg, codes.interactions.queryClientRelationship);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    const location = typeof err.details?.location === 'string' ? err.details.location : undefined;
    return answer('AR', [gatewayDetail(err.code, location)]);
  }

  let relayed: RelayedAnswer;
  try {
    relayed = await deps.relay.relay(
      { tenant: input.tenant, askingUnit: frame.askingUnit, custodian: frame.custodian, client: frame.client, ...(frame.actingPerson ? { actingPerson: frame.actingPerson } : {}) },
      'kanta-native',
    );
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return refusal(err, answer, gatewayDetail);
  }
  return answerFor(relayed, answer, gatewayDetail);
}

type Answer = (ack: 'AA' | 'AE' | 'AR', details: AnswerDetail[], controlActProcessXml?: string) => KantaNativeQueryReply;

/** Bad input is structural (AR); a refusal of what was asked is a business answer (AE); trouble is a Server fault. */
function refusal(err: GatewayError, answer: Answer, detail: (code: ErrorCode, location?: string) => AnswerDetail): KantaNativeQueryReply {
  if (err.status >= 500) return fault('Server', err);
  const location = err.code === 'INTAKE_INVALID_HETU' ? (err.details?.field === 'actingPerson' ? '/*/controlActProcess/authorOrPerformer/assignedPerson/id' : '/*/controlActProcess/queryByParameter/patientId/value') : undefined;
  return answer(err.status === 400 || err.code === 'KANTA_REJECTED' ? 'AR' : 'AE', [detail(err.code, location)]);
}

function answerFor(r: RelayedAnswer, answer: Answer, detail: (code: ErrorCode) => AnswerDetail): KantaNativeQueryReply {
  const archiveDetails = (): AnswerDetail[] =>
    r.archive.ack.details
      .filter((d) => d.code && d.codeSystem)
      .map((d) => ({ typeCode: d.typeCode === 'W' || d.typeCode === 'I' ? d.typeCode : 'E', code: d.code!, codeSystem: d.codeSystem!, text: d.text ?? '', ...(d.location ? { location: d.location } : {}) }));
  if (r.outcome === 'found') return answer('AA', archiveDetails(), r.archive.controlActProcessXml);
  if (r.outcome === 'not-found') return answer('AE', archiveDetails());
  return answer('AE', [detail('QUERY_NOT_PERMITTED')]);
}
