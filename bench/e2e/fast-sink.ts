// The fast archive sink of `npm run bench:e2e`, in its own process: mutual TLS with the test PKI (a
// client without a certificate from the test CA is refused in the handshake), reads each body whole,
// and answers a well-formed SOAP-wrapped AA whose targetMessage is the request's message id. It checks
// nothing else: it stands in for an archive that costs the sender nothing, so what is measured is the
// sender. Reports {type: 'count', received} to its parent on request (IPC), nothing on stdout per request.
//   node --import tsx bench/e2e/fast-sink.ts --port P --cert F --key F --ca F
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' } }, strict: true });
if (!values.cert || !values.key || !values.ca) throw new Error('fast-sink needs --cert, --key and --ca');

const RECEIVER = '1.2.246.556.18007.2';
// The message id is the HL7 root element's first <id>: the first one after the SOAP Body opens.
const MESSAGE_ID = /<id\s+root="([^"]+)"\s+extension="([^"]+)"/;
const SENDER = /<sender\b[\s\S]*?<id\s+root="([^"]+)"/;

function hl7Now(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14) + '+0000';
}

function ack(target: { root: string; extension: string } | undefined, sender: string | undefined): string {
  const id = target ? `<id root="${target.root}" extension="${target.extension}"/>` : '<id nullFlavor="UNK"/>';
  const to = sender ? `<id root="${sender}"/>` : '<id nullFlavor="UNK"/>';
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>' +
    `<MCCI_IN000002UV01 xmlns="urn:hl7-org:v3" ITSVersion="XML_1.0"><id root="${RECEIVER}.1" extension="${randomUUID()}"/><creationTime value="${hl7Now()}"/>` +
    '<interactionId root="2.16.840.1.113883.1.6" extension="MCCI_IN000002UV01"/><processingCode code="P"/><processingModeCode code="T"/><acceptAckCode code="NE"/>' +
    `<receiver typeCode="RCV"><device classCode="DEV" determinerCode="INSTANCE">${to}</device></receiver>` +
    `<sender typeCode="SND"><device classCode="DEV" determinerCode="INSTANCE"><id root="${RECEIVER}"/></device></sender>` +
    `<acknowledgement typeCode="AA"><targetMessage>${id}</targetMessage></acknowledgement></MCCI_IN000002UV01>` +
    '</soapenv:Body></soapenv:Envelope>'
  );
}

let received = 0;
const server = https.createServer(
  { cert: readFileSync(values.cert), key: readFileSync(values.key), ca: readFileSync(values.ca), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 60_000 },
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const at = body.indexOf('Body>');
      const m = MESSAGE_ID.exec(at < 0 ? body : body.slice(at, at + 2000));
      const s = SENDER.exec(body.slice(0, 4000));
      received++;
      const out = ack(m ? { root: m[1]!, extension: m[2]! } : undefined, s?.[1]);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  },
);
server.listen(Number(values.port), '127.0.0.1', () => {
  const port = (server.address() as { port: number }).port;
  process.send?.({ type: 'ready', port });
});
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'count') process.send?.({ type: 'count', received });
  else if (msg.type === 'reset') {
    received = 0;
    process.send?.({ type: 'count', received });
  } else if (msg.type === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
