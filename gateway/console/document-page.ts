// One document's processing data for an operator: status, routing decision, signature receipt, the
// archive's answer and history. Never the content or the client (ops-document-view.ts leaves them out).
import type { OpsDocumentView } from '../ops/ops-document-view.ts';
import { html, page, table, type Html, type PageViewer } from './console-html.ts';

const kv = (rows: Array<[string, unknown]>): Html => html`<dl class="kv">${rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' && v !== null && !('html' in v) ? JSON.stringify(v) : v}</dd>`)}</dl>`;

export function documentPage(d: OpsDocumentView & { redisBytes: number }, viewer: PageViewer): string {
  const history = d.history.map((h) => html`<tr><td>${h.at}</td><td>${h.status}</td><td>${h.code ?? ''}</td><td>${h.text ?? ''}</td><td>${h.attempt ?? ''}</td><td>${h.run ?? ''}</td><td>${h.by ?? ''}</td></tr>`);
  const r = d.routing;
  return page(
    `Document ${d.documentId}`,
    html`<div class="card"><h2>Status</h2>${kv([
      ['status', html`<span class="badge${d.status === 'parked' || d.status === 'rejected' ? ' bad' : d.status === 'archived' ? ' ok' : ''}" data-testid="doc-status">${d.status}</span>`],
      ['code', d.code],
      ['text', d.text],
      ['tenant', d.tenant],
      ['submission id', d.submissionId],
      ['set id / version', `${d.setId} / ${d.version}`],
      ['operation', d.operation],
      ['document group', d.documentGroup],
      ['accepted', d.acceptedAt],
      ['updated', d.updatedAt],
      ['attempts / run', `${d.attempts} / ${d.run}`],
      ['depends on', d.dependsOn.join(', ')],
      ['size / Redis bytes', `${d.size} / ${d.redisBytes}`],
    ])}</div>
    <div class="card"><h2>Routing decision</h2>${kv([
      ['controller', d.controller],
      ['registry', r.registry],
      ['writer', r.writerOrganisation],
      ['usage', r.usageSituation],
      ['rule', r.ruleId],
      ['explanation', r.explanation],
      ['contract', r.contractId],
      ['right', r.right],
      ['access point', r.accessPoint],
      ['signing identity', r.signingIdentity],
      ['configuration version', r.configVersion],
    ])}</div>
    <div class="card"><h2>Signature receipt</h2>${d.signature ? kv([['signature id', d.signature.signatureId], ['signed at', d.signature.signedAt], ['signer', d.signature.signer.subject], ['certificate serial', d.signature.signer.certificateSerial], ['origin', d.signature.origin ?? 'gateway'], ['self check', d.signature.selfCheck]]) : html`<p class="empty">Not signed yet.</p>`}</div>
    <div class="card"><h2>Archive answer</h2>${d.ack ? kv([['action', d.ack.action], ['type', d.ack.typeCode], ['code', d.ack.code], ['text', d.ack.text], ['message id', d.ack.messageId], ['details', d.ack.details]]) : html`<p class="empty">No answer yet.</p>`}</div>
    <h2>History</h2>${table(['at', 'status', 'code', 'text', 'attempt', 'run', 'by'], history, { testId: 'history' })}`,
    viewer,
  );
}
