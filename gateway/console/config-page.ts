// The configuration in force (version, file, load time, the last refused reload), a reload for
// operators, and a dry run of a candidate YAML file (pasted or chosen; the file is read in the browser).
import type { ConfigDryRunReport } from '../ops/config-dry-run.ts';
import { actionForm, html, page, table, type PageViewer } from './console-html.ts';

export interface ConfigPageData {
  info: { version: string; file: string; loadedAt: string; lastReloadError?: string };
  reload?: { ok: boolean; version?: string; changed?: boolean; error?: string; keptVersion?: string };
  dryRun?: ConfigDryRunReport;
  candidate?: string;
}

export function configPage(d: ConfigPageData, viewer: PageViewer): string {
  const reload = d.reload
    ? d.reload.ok
      ? html`<div class="card notice" data-testid="reload-result">Reloaded: version ${d.reload.version}${d.reload.changed ? '' : ' (unchanged)'}.</div>`
      : html`<div class="card error" data-testid="reload-result">Refused; version ${d.reload.keptVersion ?? d.info.version} stays in force.<pre>${d.reload.error}</pre></div>`
    : '';
  const dry = d.dryRun
    ? d.dryRun.ok
      ? html`<div class="card notice" data-testid="dry-run-result">Valid: version ${d.dryRun.version}${d.dryRun.changed ? `, changes ${d.dryRun.changedSections?.join(', ')}` : ', same as in force'}. ${Object.entries(d.dryRun.counts ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')}.</div>`
      : html`<div class="card error" data-testid="dry-run-result">Would be refused:${table(['path', 'reason'], d.dryRun.issues.map((i) => html`<tr><td><code>${i.path || '(root)'}</code></td><td>${i.reason}</td></tr>`))}</div>`
    : '';
  return page(
    'Configuration',
    html`${reload}<div class="card"><dl class="kv"><dt>version</dt><dd data-testid="config-version">${d.info.version}</dd><dt>file</dt><dd>${d.info.file}</dd><dt>loaded</dt><dd>${d.info.loadedAt}</dd>
      ${d.info.lastReloadError ? html`<dt>last reload refused</dt><dd><pre>${d.info.lastReloadError}</pre></dd>` : ''}</dl>
      ${viewer.role === 'operator' ? html`<p>${actionForm(viewer, '/ops/config/reload', 'Reload the file', { confirm: 'Reload the configuration file now?', testId: 'reload' })}</p>` : ''}</div>
    <h2>Dry run</h2>${dry}
    <form method="post" action="/ops/config/dry-run" class="card"><input type="hidden" name="_csrf" value="${viewer.csrf}">
      <p><label>YAML file <input type="file" id="yaml-file" accept=".yaml,.yml,.json"></label> or paste it:</p>
      <textarea id="yaml" name="yaml" spellcheck="false" required>${d.candidate ?? ''}</textarea>
      <p><button data-testid="dry-run">Check without applying</button></p></form>`,
    viewer,
    '/ops/config',
  );
}
