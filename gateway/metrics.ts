// Prometheus metrics of one gateway process. One registry, created by main and passed down; no
// module registers metrics on import.
import client from 'prom-client';

export interface GatewayMetrics {
  registry: client.Registry;
  intake: client.Counter<'tenant' | 'outcome'>;
  documentsFinished: client.Counter<'controller' | 'status' | 'code'>;
  sendDuration: client.Histogram<'access_point' | 'outcome'>;
  signDuration: client.Histogram;
  retryBudgetExhausted: client.Counter<'controller'>;
  circuitState: client.Gauge<'access_point'>;
  certificateExpirySeconds: client.Gauge<'identity' | 'usage'>;
  queueJobs: client.Gauge<'queue' | 'state'>;
}

export function createMetrics(): GatewayMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'kgw_process_' });
  return {
    registry,
    intake: new client.Counter({ name: 'kgw_intake_total', help: 'Documents received, by tenant and outcome (accepted, duplicate, rejected code)', labelNames: ['tenant', 'outcome'], registers: [registry] }),
    documentsFinished: new client.Counter({ name: 'kgw_documents_finished_total', help: 'Documents reaching a final state', labelNames: ['controller', 'status', 'code'], registers: [registry] }),
    sendDuration: new client.Histogram({ name: 'kgw_kanta_send_seconds', help: 'Kanta request duration', labelNames: ['access_point', 'outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    signDuration: new client.Histogram({ name: 'kgw_sign_seconds', help: 'System signature duration including the pool queue', buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry] }),
    retryBudgetExhausted: new client.Counter({ name: 'kgw_retry_budget_exhausted_total', help: 'Documents parked because their retry budget ran out (alert on any increase)', labelNames: ['controller'], registers: [registry] }),
    circuitState: new client.Gauge({ name: 'kgw_circuit_state', help: 'Circuit breaker per access point: 0 closed, 1 half-open, 2 open', labelNames: ['access_point'], registers: [registry] }),
    certificateExpirySeconds: new client.Gauge({ name: 'kgw_certificate_expiry_seconds', help: 'Seconds until the certificate expires, per identity and usage', labelNames: ['identity', 'usage'], registers: [registry] }),
    queueJobs: new client.Gauge({ name: 'kgw_queue_jobs', help: 'Jobs per queue and state', labelNames: ['queue', 'state'], registers: [registry] }),
  };
}
