// The Kanta-native endpoint's own listener: HTTPS that always asks for a client certificate (mutual TLS,
// kantaNative.tls), whatever the main listener does, with the same header, request and keep-alive
// bounds as the main one (gateway/http-server.ts). Anything it cannot route is a Kanta-format refusal
// too, never an HTML page.
import express from 'express';
import type { Config, KantaNativeConfig } from '../../config/schema.ts';
import { buildNativeAck } from '../../adapters/intake/kanta-native/native-ack.ts';
import { GatewayError } from '../../domain/errors.ts';
import { listen, type ListeningServer } from '../http-server.ts';
import { answerForError } from './native-answer.ts';
import { kantaNativeRouter, type KantaNativeRouteDeps } from './kanta-native-router.ts';

export async function startKantaNativeEndpoint(native: KantaNativeConfig, gateway: Config['gateway'], deps: KantaNativeRouteDeps): Promise<ListeningServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(kantaNativeRouter(deps));
  app.use((_req, res) => {
    const a = answerForError(new GatewayError('NOT_FOUND', `The Kanta-native endpoint is ${native.path}`), native.pendingAnswer);
    res.status(404).type('text/xml; charset=utf-8').send(buildNativeAck({ ...a, now: new Date(), messageIdRoot: native.deviceId ?? deps.gatewayDeviceId(undefined) }));
  });
  return listen(app, { ...gateway, host: native.host, port: native.port, tls: { certFile: native.tls.certFile, keyFile: native.tls.keyFile, clientCaFile: native.tls.clientCaFile } });
}
