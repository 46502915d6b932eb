// The Kanta social-welfare archive double as an HTTP(S) server: SOAP 1.1 binding (with a WSDL) and
// the plain binding of docs/kanta-binding.md §3, mutual TLS, a body limit, fault injection and the
// admin API. The checks themselves live in handle-message.ts; this file is the network shell.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseXmlSafely } from '../xml/safe-parse.ts';
import { DETAIL_CODES, DoubleRefusal, isDetailCode } from './detail-codes.ts';
import type { DetailCode } from './detail-codes.ts';
import { soapBodyMessage } from './frame-reader.ts';
import { certificateFacts } from './certificate-facts.ts';
import { handleMessage } from './handle-message.ts';
import type { HandlerDeps } from './handle-message.ts';
import { ArchiveState } from './archive-state.ts';
import { loadSigningCas } from './signature-check.ts';
import { decideFaults, maintenanceRemaining, normaliseFaults, seededRandom } from './faults.ts';
import type { FaultDecision, FaultSettings } from './faults.ts';
import { buildAck, soapEnvelope, soapFault } from './ack.ts';
import { readBody } from './read-body.ts';
import { handleAdmin } from './admin-api.ts';
import { emptyCounters, inspect } from './inspection.ts';
import type { Inspection } from './inspection.ts';
import { resolveOptions } from './options.ts';
import type { AccessPointRegistration, KantaDoubleOptions, ResolvedOptions } from './options.ts';

export type { KantaDoubleOptions } from './options.ts';
export type { FaultSettings } from './faults.ts';
export type { Inspection } from './inspection.ts';

export interface KantaDouble {
  /** SOAP endpoint, e.g. https://127.0.0.1:PORT/kanta/sh */
  url: string;
  plainUrl: string;
  /** Base of the admin endpoints (…/admin). */
  adminUrl: string;
  inspect(): Inspection;
  setFaults(f: FaultSettings): void;
  faults(): FaultSettings;
  /** The exact CDA bytes archived under a document id. */
  archivedDocument(documentId: string): Buffer | undefined;
  /** The last requests as received with the ack they got (only with options.keepMessages; never persisted). */
  receivedMessages(): ReadonlyArray<{ ack: string; code?: string; body: string }>;
  /** Forgets all archived state, counters and faults (as POST /admin/reset). */
  reset(): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const SERIAL_NUMBER_OID = '2.5.4.5';
const COMMON_NAME_OID = '2.5.4.3';
const WSDL_TEMPLATE = readFileSync(new URL('./kanta-sh.wsdl', import.meta.url), 'utf8');

function wsdlFor(o: ResolvedOptions, soapUrl: string): string {
  const i = o.codes.interactions;
  return WSDL_TEMPLATE.replaceAll('{{ARCHIVE}}', i.archive).replaceAll('{{VERSION}}', i.version).replaceAll('{{VOID}}', i.void)
    .replaceAll('{{QUERY_RESPONSE}}', i.queryResponse).replaceAll('{{QUERY}}', i.queryClientRelationship).replaceAll('{{ACK}}', i.ack)
    .replaceAll('{{LOCATION}}', soapUrl);
}

function accessPointOfPeer(req: IncomingMessage, aps: AccessPointRegistration[]): AccessPointRegistration | undefined {
  const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
  if (!peer) return undefined;
  const subject = certificateFacts(peer.raw).subject;
  const serial = subject.get(SERIAL_NUMBER_OID)?.[0];
  const cn = subject.get(COMMON_NAME_OID)?.[0];
  return aps.find((ap) => (ap.clientCertSerialNumber !== undefined && ap.clientCertSerialNumber === serial)
    || (ap.clientCertCn !== undefined && ap.clientCertCn === cn));
}

const sleep = (ms: number, timers: Set<NodeJS.Timeout>) => new Promise<void>((resolve) => {
  const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
  timers.add(t);
});

export async function startKantaDouble(opts: KantaDoubleOptions): Promise<KantaDouble> {
  const o = resolveOptions(opts);
  const state = new ArchiveState(o.stateDir);
  let faults = normaliseFaults(o.faults, o.now(), isDetailCode);
  let random = seededRandom(o.seed);
  let counters = emptyCounters();
  const unitOwner = new Map(o.serviceUnits.map((u) => [u.oid, u.organisation]));
  const organisations = new Set([...o.accessPoints.flatMap((ap) => ap.organisations), ...o.serviceUnits.map((u) => u.organisation)]);
  const deps: HandlerDeps = {
    options: o,
    state,
    cas: loadSigningCas(o.signingCaPems),
    units: { organisationOf: (oid) => unitOwner.get(oid) ?? (organisations.has(oid) ? oid : undefined) },
    accessPointBySender: new Map(o.accessPoints.map((ap) => [ap.senderId, ap])),
    faults: () => faults,
  };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let soapUrl = '';
  const keepMessages = opts.keepMessages ?? 0;
  const received: Array<{ ack: string; code?: string; body: string }> = [];

  const refusalReply = (binding: 'soap' | 'plain', code: DetailCode, httpStatus: number): Reply => {
    state.countRejection(code);
    counters.soapFaults += binding === 'soap' ? 1 : 0;
    if (binding === 'soap') return { status: httpStatus, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: soapFault('Client', DETAIL_CODES[code].text, code) };
    counters.byAck.AR += 1;
    const ack = buildAck({ interaction: o.codes.interactions.ack, receiverId: o.receiverId, detailCodeSystem: o.codes.detailCodeSystem, ack: 'AR', code, now: o.now() });
    return { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: ack };
  };

  const processRequest = (binding: 'soap' | 'plain', bytes: Buffer, req: IncomingMessage, tlsAccessPoint: AccessPointRegistration | undefined): Reply => {
    let doc: Document;
    try {
      doc = parseXmlSafely(bytes.toString('utf8'));
    } catch {
      return refusalReply(binding, 'FRAME_MALFORMED_XML', 500);
    }
    let msg = doc.documentElement as Element;
    if (binding === 'soap') {
      try {
        msg = soapBodyMessage(msg);
      } catch (err) {
        if (err instanceof DoubleRefusal) return refusalReply(binding, err.code, 500);
        throw err;
      }
      // SOAPAction is optional, but when given it must name the HL7 interaction sent (kanta-binding.md §3).
      const action = req.headers.soapaction;
      if (typeof action === 'string' && action.replace(/^"|"$/g, '') !== '' && action.replace(/^"|"$/g, '') !== `urn:hl7-org:v3/${msg.localName}`) {
        return refusalReply(binding, 'FRAME_SOAP_ENVELOPE', 500);
      }
    }
    const handled = handleMessage(msg, tlsAccessPoint ? { tlsAccessPoint } : {}, deps);
    counters.byAck[handled.ack] += 1;
    if (keepMessages > 0) {
      received.push({ ack: handled.ack, ...(handled.code ? { code: handled.code } : {}), body: bytes.toString('utf8') });
      if (received.length > keepMessages) received.shift();
    }
    return binding === 'soap'
      ? { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: soapEnvelope(handled.xml) }
      : { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: `<?xml version="1.0" encoding="UTF-8"?>${handled.xml}` };
  };

  const send = async (res: ServerResponse, reply: Reply, drip: FaultDecision['drip']): Promise<void> => {
    const bytes = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(bytes.length) });
    if (!drip) {
      res.end(bytes);
      return;
    }
    counters.faults.slowDrip += 1;
    res.flushHeaders();
    const chunks = Math.max(1, Math.ceil(bytes.length / drip.chunkBytes));
    const pause = drip.overMs / chunks;
    for (let i = 0; i < chunks; i += 1) {
      if (res.destroyed) return;
      res.write(bytes.subarray(i * drip.chunkBytes, (i + 1) * drip.chunkBytes));
      if (i < chunks - 1) await sleep(pause, timers);
    }
    res.end();
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, binding: 'soap' | 'plain'): Promise<void> => {
    counters.total += 1;
    counters[binding] += 1;
    let tlsAccessPoint: AccessPointRegistration | undefined;
    if (o.tls) {
      tlsAccessPoint = accessPointOfPeer(req, o.accessPoints);
      if (!tlsAccessPoint) {
        // Chained to the CA (the handshake checked that) but not a registered access point: 403 + SOAP fault.
        req.resume();
        counters.notRegistered += 1;
        const reply = refusalReply('soap', 'ACCESS_POINT_NOT_REGISTERED', 403);
        return send(res, reply, undefined);
      }
    }
    const body = await readBody(req, o.bodyLimitBytes);
    if (!body.ok) {
      counters.tooLarge += 1;
      return send(res, { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }, body: 'Request body exceeds the limit' }, undefined);
    }
    const breakSeconds = maintenanceRemaining(faults, o.now());
    if (breakSeconds > 0) {
      counters.faults.maintenance += 1;
      const text = 'Service break (huoltokatko)';
      return send(res, { status: 503, headers: { 'retry-after': String(breakSeconds), 'content-type': binding === 'soap' ? 'text/xml; charset=utf-8' : 'text/plain; charset=utf-8' }, body: binding === 'soap' ? soapFault('Server', text) : text }, undefined);
    }
    const d = decideFaults(faults, random);
    if (d.delayMs > 0) await sleep(d.delayMs, timers);
    if (d.http500) {
      counters.faults.http500 += 1;
      const text = 'Internal error (injected)';
      return send(res, { status: 500, headers: { 'content-type': binding === 'soap' ? 'text/xml; charset=utf-8' : 'text/plain; charset=utf-8' }, body: binding === 'soap' ? soapFault('Server', text) : text }, undefined);
    }
    const resetNow = () => { counters.faults.reset += 1; req.socket.destroy(); };
    if (d.reset === 'before') return resetNow();
    if (d.timeout?.phase === 'before') {
      counters.faults.timeout += 1;
      if (d.timeout.mode === 'hang') return;
      await sleep(d.timeout.delayMs, timers);
    }
    const reply = processRequest(binding, body.bytes, req, tlsAccessPoint);
    if (d.reset === 'after') return resetNow();
    if (d.timeout?.phase === 'after') {
      counters.faults.timeout += 1;
      if (d.timeout.mode === 'hang') return;
      await sleep(d.timeout.delayMs, timers);
    }
    if (res.destroyed) return;
    return send(res, reply, d.drip);
  };

  const control = {
    faults: () => faults,
    setFaultsFromJson: (raw: unknown) => { faults = normaliseFaults(raw, o.now(), isDetailCode); return faults; },
    reset: () => { state.reset(); faults = {}; random = seededRandom(o.seed); counters = emptyCounters(); },
    inspect: () => inspect(state, counters),
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    const run = async (): Promise<void> => {
      if (url.pathname.startsWith('/admin/')) return handleAdmin(req, res, url.pathname, control, o.adminToken);
      if (url.pathname === o.soapPath && req.method === 'GET' && url.searchParams.has('wsdl')) {
        return send(res, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: wsdlFor(o, soapUrl) }, undefined);
      }
      const binding = url.pathname === o.soapPath ? 'soap' : url.pathname === o.plainPath ? 'plain' : undefined;
      if (!binding) return send(res, { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' }, undefined);
      if (req.method !== 'POST') return send(res, { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain' }, body: 'Use POST' }, undefined);
      return serve(req, res, binding);
    };
    run().catch(() => {
      // An unexpected failure inside the double is an HTTP 500 (transient for the sender), never a crash.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      if (!res.writableEnded) res.end('Internal error in the double');
    });
  };

  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.certPem, key: o.tls.keyPem, ca: o.tls.clientCaPems, requestCert: true, rejectUnauthorized: true }, onRequest)
    : createHttpServer(onRequest);
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const base = `${o.tls ? 'https' : 'http'}://${host}:${port}`;
  soapUrl = `${base}${o.soapPath}`;
  let closing: Promise<void> | undefined;

  return {
    url: soapUrl,
    plainUrl: `${base}${o.plainPath}`,
    adminUrl: `${base}/admin`,
    inspect: () => inspect(state, counters),
    setFaults: (f) => { faults = normaliseFaults(f, o.now(), isDetailCode); },
    faults: () => faults,
    archivedDocument: (id) => state.documentBytes(id),
    receivedMessages: () => received,
    reset: control.reset,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
