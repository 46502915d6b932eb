// Hourly look at every certificate the gateway depends on: the signing identities and the access
// points' TLS client certificates (DVV palvelinvarmenne, valid a year at most). Publishes days to
// expiry as a metric and warns at 30/14/7 days (certs/expiry.ts).
import { loadCredential } from '../certs/credential.ts';
import { expirySamples, expiryWarnings } from '../certs/expiry.ts';
import { reportFor, type IdentityReport, type SigningKeyStore } from '../certs/keystore.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from './logger.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface CertificateWatchDeps {
  keyStore: SigningKeyStore;
  config: () => Config;
  env: NodeJS.ProcessEnv;
  metrics: GatewayMetrics;
  logger: Logger;
}

export function checkCertificates(deps: CertificateWatchDeps, now = new Date()): void {
  const rows = certificateReport(deps, now);
  for (const s of expirySamples(rows)) deps.metrics.certificateExpirySeconds.set({ identity: s.identityId, usage: s.usage }, s.secondsToExpiry);
  for (const w of expiryWarnings(rows)) deps.logger.warn('certificate expires soon', { identity: w.identityId, usage: w.usage, daysLeft: Math.floor(w.secondsToExpiry / 86_400), thresholdDays: w.thresholdDays });
}

/** Every certificate the gateway depends on with its days to expiry (also the ops API's and console's view). */
export function certificateReport(deps: Pick<CertificateWatchDeps, 'keyStore' | 'config' | 'env' | 'logger'>, now = new Date()): IdentityReport[] {
  const rows = deps.keyStore.list(now);
  for (const ap of deps.config().kanta.accessPoints) {
    if (!ap.tls?.client) continue;
    try {
      rows.push(reportFor(ap.id, 'tls-client', loadCredential(ap.tls.client, deps.env), now, true));
    } catch (err) {
      deps.logger.error('access point certificate cannot be read', { accessPoint: ap.id, error: (err as Error).message });
    }
  }
  return rows;
}

/** Checks now and then every hour; returns the stop function. */
export function watchCertificates(deps: CertificateWatchDeps, everyMs = 3_600_000): () => void {
  checkCertificates(deps);
  const timer = setInterval(() => checkCertificates(deps), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
