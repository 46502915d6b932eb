// One HL7 request through the archive's checks, in the order a real archive can apply them: frame
// (2), reason codes (3), MIME and frame/document consistency (4), document (5), forced errors,
// signatures (6), idempotency (7), versioning (8), registry routing and rights (9–10); then
// store and acknowledge (11). Queries (12) share the wrapper checks. Every outcome is counted and
// written to the access log; nothing personal goes into either.
import { createHash } from 'node:crypto';
import { DETAIL_CODES, DoubleRefusal, refuse } from './detail-codes.ts';
import type { AckType, DetailCode } from './detail-codes.ts';
import { readArchiveFrame, readQueryFrame, readTransmissionWrapper } from './frame-reader.ts';
import type { ArchiveFrame, TransmissionWrapper } from './frame-reader.ts';
import { readMimeDocument } from './mime-part.ts';
import { readCda } from './cda-reader.ts';
import type { CdaFacts } from './cda-reader.ts';
import { verifySignatures } from './signature-check.ts';
import type { TrustedSigningCas } from './signature-check.ts';
import { checkQueryVisibility, checkRegistryWrite, readRights, readServiceTasks, writerOrganisation } from './registry-rights.ts';
import type { UnitRegister } from './registry-rights.ts';
import { clientPseudonym } from './archive-state.ts';
import type { ArchiveState } from './archive-state.ts';
import { buildAck, queryResultControlAct } from './ack.ts';
import type { AccessPointRegistration, OperationKind, ResolvedOptions } from './options.ts';
import type { FaultSettings } from './faults.ts';
import { attr, walk } from '../xml/safe-parse.ts';

export interface MessageContext {
  /** The access point the TLS client certificate identified (TLS on only). */
  tlsAccessPoint?: AccessPointRegistration;
}

export interface HandlerDeps {
  options: ResolvedOptions;
  state: ArchiveState;
  cas: TrustedSigningCas;
  units: UnitRegister;
  accessPointBySender: Map<string, AccessPointRegistration>;
  faults: () => FaultSettings;
}

export interface HandledMessage {
  ack: AckType;
  code: DetailCode | undefined;
  /** The answer document (ack or query response), without any SOAP envelope. */
  xml: string;
}

interface LogContext {
  sender: string;
  unit: string;
  operation: string;
  documentId?: string;
  custodian?: string;
  client?: string;
}

const FRAME_VS_DOCUMENT = '/*/controlActProcess/subject/clinicalDocument';

function operationOf(interactionId: string, o: ResolvedOptions): OperationKind | 'query' {
  const i = o.codes.interactions;
  if (interactionId === i.archive) return 'archive';
  if (interactionId === i.version) return 'version';
  if (interactionId === i.void) return 'void';
  if (interactionId === i.queryClientRelationship) return 'query';
  return refuse('FRAME_UNKNOWN_INTERACTION', '/*/interactionId/@extension');
}

function expectedServiceRequest(o: ResolvedOptions, op: OperationKind, group: string): string | undefined {
  const table = o.codes.serviceRequest[op];
  return table[group] ?? table['*'];
}

function checkFrameAgainstDocument(frame: ArchiveFrame, cda: CdaFacts, contentId: string): void {
  if (contentId !== cda.id) refuse('MIME_CONTENT_ID', `${FRAME_VS_DOCUMENT}/text Content-ID`);
  const d = frame.document;
  if (d.id !== cda.id) refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/id`);
  if (d.setId !== cda.setId) refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/setId`);
  if (d.versionNumber !== String(cda.versionNumber)) refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/versionNumber`);
  if (d.custodian !== cda.custodian) refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/custodian`);
  if (d.patient.root !== cda.patient.root || d.patient.extension !== cda.patient.extension) refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/recordTarget`);
  if (d.parent) {
    const p = cda.parent;
    if (!p || p.id !== d.parent.id || (d.parent.versionNumber !== undefined && String(p.versionNumber) !== d.parent.versionNumber)) {
      refuse('FRAME_DOCUMENT_MISMATCH', `${FRAME_VS_DOCUMENT}/relatedDocument`);
    }
  }
}

function checkVersioning(state: ArchiveState, op: OperationKind, cda: CdaFacts, client: string): void {
  if (op === 'archive') {
    if (cda.versionNumber !== 1 || cda.parent) refuse('VERSION_OPERATION', '/ClinicalDocument/versionNumber');
    if (state.set(cda.setId)) refuse('VERSION_SET_EXISTS', '/ClinicalDocument/setId');
    return;
  }
  if (!cda.parent) refuse('VERSION_OPERATION', '/ClinicalDocument/relatedDocument');
  const head = state.set(cda.setId);
  if (!head) refuse('VERSION_UNKNOWN_SET', '/ClinicalDocument/setId');
  if (head.voided) refuse('VERSION_SET_VOIDED', '/ClinicalDocument/setId');
  if (cda.versionNumber !== head.latestVersion + 1) refuse('VERSION_NUMBER', '/ClinicalDocument/versionNumber');
  const p = cda.parent;
  if (p.id !== head.latestId || (p.setId !== undefined && p.setId !== cda.setId) || (p.versionNumber !== undefined && p.versionNumber !== head.latestVersion)) {
    refuse('VERSION_PARENT', '/ClinicalDocument/relatedDocument/parentDocument');
  }
  if (head.custodian !== cda.custodian || head.client !== client) refuse('VERSION_CUSTODIAN', '/ClinicalDocument/custodian');
}

export function handleMessage(msg: Element, ctx: MessageContext, deps: HandlerDeps): HandledMessage {
  const { options: o, state } = deps;
  const now = o.now();
  let wrapper: TransmissionWrapper | undefined;
  let interaction = o.codes.interactions.ack;
  const log: LogContext = { sender: attr(walk(msg, 'sender', 'device', 'id'), 'root') ?? 'unknown', unit: 'unknown', operation: msg.localName ?? 'unknown' };
  const answer = (ack: AckType, code?: DetailCode, location?: string, controlAct?: string): HandledMessage => {
    if (ack !== 'AA' && code) state.countRejection(code);
    state.log({ time: now.toISOString(), ...log, ack, ...(code ? { code } : {}) });
    const idEl = walk(msg, 'id');
    const target = wrapper?.messageId ?? (attr(idEl, 'root') && attr(idEl, 'extension') ? { root: attr(idEl, 'root') as string, extension: attr(idEl, 'extension') as string } : undefined);
    const xml = buildAck({
      interaction, receiverId: o.receiverId, detailCodeSystem: o.codes.detailCodeSystem, now, ack,
      ...(wrapper ? { requestSender: wrapper.senderId } : {}),
      ...(target ? { target } : {}),
      ...(code ? { code } : {}),
      ...(location ? { location } : {}),
      ...(controlAct ? { controlAct } : {}),
    });
    return { ack, code, xml };
  };

  try {
    wrapper = readTransmissionWrapper(msg, o.receiverId);
    const op = operationOf(wrapper.interactionId, o);
    log.operation = op;
    if (op === 'query') interaction = o.codes.interactions.queryResponse;
    const ap = deps.accessPointBySender.get(wrapper.senderId);
    if (!ap) refuse('FRAME_SENDER_UNKNOWN', '/*/sender/device/id/@root');
    if (ctx.tlsAccessPoint && ctx.tlsAccessPoint !== ap) refuse('FRAME_SENDER_TLS_MISMATCH', '/*/sender/device/id/@root');
    const messageKey = `${wrapper.messageId.root}^${wrapper.messageId.extension}`;
    if (state.hasMessage(messageKey)) refuse('FRAME_MESSAGE_ID_REUSED', '/*/id');
    state.recordMessage(messageKey);

    if (op === 'query') {
      const q = readQueryFrame(msg, wrapper);
      const client = clientPseudonym(q.patient.root, q.patient.extension as string);
      Object.assign(log, { unit: q.askingUnit, custodian: q.custodian, client });
      const org = writerOrganisation(deps.units, q.askingUnit, ap);
      const relationship = state.clientRelationship(q.custodian, client);
      checkQueryVisibility(org, q.askingUnit, q.custodian, helsinkiToday(now), relationship);
      const rel = relationship as NonNullable<typeof relationship>;
      const rec = state.document(rel.documentId);
      const bytes = state.documentBytes(rel.documentId);
      if (!rec || !bytes) refuse('NOT_FOUND', '/*/controlActProcess/queryByParameter');
      log.documentId = rec.documentId;
      return answer('AA', undefined, undefined, queryResultControlAct({ id: rec.documentId, setId: rec.setId, versionNumber: rec.versionNumber, custodian: rec.custodian, bytes }));
    }

    const frame = readArchiveFrame(msg, wrapper, [o.codes.usageSituation.ownUse, o.codes.usageSituation.registryRight]);
    log.unit = frame.writerUnit;
    log.documentId = frame.document.id;
    log.custodian = frame.document.custodian;
    const mime = readMimeDocument(frame.document.mimeText);
    const cda = readCda(mime.bytes, { testPersonsOnly: o.testPersonsOnly, functionCodeOptionalGroups: o.functionCodeOptionalGroups, today: helsinkiToday(now) });
    const client = clientPseudonym(cda.patient.root, cda.patient.extension);
    log.client = client;
    checkFrameAgainstDocument(frame, cda, mime.contentId);
    if (frame.serviceRequest !== expectedServiceRequest(o, op, cda.documentGroup)) refuse('REASON_SERVICE_REQUEST_MISMATCH', '/*/controlActProcess/reasonCode');
    // The RKO entries of a client-relationship document are part of its structure (check 5).
    const rights = cda.documentGroup === '1' && op !== 'void' ? readRights(cda.json) : undefined;

    const forced = deps.faults().forcedErrors?.[cda.id];
    if (forced) refuse(forced in DETAIL_CODES ? (forced as DetailCode) : 'FORCED_ERROR', '/ClinicalDocument/id');

    const signatures = verifySignatures(cda, deps.cas, { allowedSystemSigners: ap.signerOids, requireSystemSignature: o.requireSystemSignature });

    const sha256 = createHash('sha256').update(mime.bytes).digest('hex');
    const existing = state.document(cda.id);
    if (existing) {
      if (existing.sha256 !== sha256) refuse('DOCUMENT_ID_CONFLICT', '/ClinicalDocument/id');
      state.countDuplicate();
      return answer('AA', 'ALREADY_ARCHIVED');
    }
    checkVersioning(state, op, cda, client);
    checkRegistryWrite(deps.units, o.codes, {
      writerUnit: frame.writerUnit, accessPoint: ap, usageSituation: frame.usageSituation, custodian: cda.custodian,
      documentGroup: cda.documentGroup, functionCode: cda.functionCode, documentDate: cda.documentDate,
      relationship: state.clientRelationship(cda.custodian, client),
    });
    state.archive({
      documentId: cda.id, setId: cda.setId, versionNumber: cda.versionNumber, custodian: cda.custodian, client,
      documentGroup: cda.documentGroup, operation: op, sender: wrapper.senderId,
      ...(cda.functionCode !== undefined ? { functionCode: cda.functionCode } : {}),
      ...(cda.documentGroup === '1' ? { serviceTasks: readServiceTasks(cda.json) } : {}),
      unit: frame.writerUnit, signer: signatures.systemSigner ?? '', signatureKinds: signatures.kinds, sha256, archivedAt: now.toISOString(),
    }, mime.bytes, rights);
    return answer('AA');
  } catch (err) {
    if (err instanceof DoubleRefusal) return answer(DETAIL_CODES[err.code].ack, err.code, err.location);
    throw err;
  }
}

const HELSINKI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki', year: 'numeric', month: '2-digit', day: '2-digit' });

function helsinkiToday(now: Date): string {
  return HELSINKI_DATE.format(now);
}
