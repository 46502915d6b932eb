// Parked documents: filters, a page of them with checkboxes, a rerun preview of the filter (how many,
// which codes) and, for operators, a rerun of the selected or the filtered documents as a task.
import type { ParkedFilter, ParkedPage, RerunPreview } from '../ops/parked-documents.ts';
import { actionForm, html, page, raw, table, type PageViewer } from './console-html.ts';

const FILTER_KEYS = ['code', 'tenant', 'controller', 'from', 'to'] as const;

function filterFields(filter: ParkedFilter): Record<string, string> {
  return Object.fromEntries(FILTER_KEYS.filter((k) => filter[k]).map((k) => [k, filter[k]!]));
}

function describe(filter: ParkedFilter): string {
  const parts = FILTER_KEYS.filter((k) => filter[k]).map((k) => `${k} ${filter[k]}`);
  return parts.length ? parts.join(', ') : 'every parked document';
}

export function parkedPage(p: ParkedPage, filter: ParkedFilter, viewer: PageViewer): string {
  const operator = viewer.role === 'operator';
  const rows = p.documents.map(
    (d) => html`<tr>
      ${operator ? html`<td><input type="checkbox" name="doc" value="${d.tenant} ${d.documentId}" form="rerun-selected" aria-label="select ${d.documentId}"></td>` : ''}
      <td><a href="/ops/documents?id=${encodeURIComponent(d.documentId)}">${d.documentId}</a></td>
      <td>${d.tenant}</td><td class="oid">${d.controller}</td>
      <td><span class="badge bad">${d.code ?? 'unknown'}</span> ${d.text ?? ''}</td>
      <td>${d.acceptedAt}</td><td>${d.updatedAt}</td><td class="num">${d.run}</td></tr>`,
  );
  const prev = p.offset > 0 ? html`<a href="/ops/parked?${raw(new URLSearchParams({ ...filterFields(filter), offset: String(Math.max(0, p.offset - p.limit)) }).toString())}">← previous</a>` : '';
  const next = p.more ? html`<a href="/ops/parked?${raw(new URLSearchParams({ ...filterFields(filter), offset: String(p.offset + p.limit) }).toString())}">next →</a>` : '';
  return page(
    'Parked documents',
    html`<form class="filters" method="get" action="/ops/parked">
      ${FILTER_KEYS.map((k) => html`<label>${k}<input name="${k}" value="${filter[k] ?? ''}"${raw(k === 'from' || k === 'to' ? ' placeholder="2026-12-01T00:00:00Z"' : '')}></label>`)}
      <button>Filter</button></form>
    <p>${describe(filter)} · showing ${p.documents.length ? `${p.offset + 1}–${p.offset + p.documents.length}` : 'none'} ${prev} ${next}</p>
    <div class="card">${actionForm(viewer, '/ops/rerun/preview', 'Preview rerun of the filter', { fields: filterFields(filter), testId: 'preview' })}
      ${operator ? html` <form id="rerun-selected" method="post" action="/ops/rerun" class="inline" data-confirm="Rerun the selected documents?"><input type="hidden" name="_csrf" value="${viewer.csrf}"><button data-testid="rerun-selected">Rerun selected</button></form>` : ''}</div>
    ${table([...(operator ? [''] : []), 'document', 'tenant', 'controller', 'code', 'accepted', 'parked', 'run'], rows, { testId: 'parked', empty: 'No parked documents match.' })}`,
    viewer,
    '/ops/parked',
  );
}

export function previewPage(preview: RerunPreview, filter: ParkedFilter, viewer: PageViewer): string {
  const codes = Object.entries(preview.byCode).map(([code, n]) => html`<tr><td><span class="badge bad">${code}</span></td><td class="num">${n}</td></tr>`);
  const controllers = Object.entries(preview.byController).map(([c, n]) => html`<tr><td class="oid">${c}</td><td class="num">${n}</td></tr>`);
  return page(
    'Rerun preview',
    html`<div class="card"><p data-testid="preview-count">A rerun of ${describe(filter)} would put <strong>${preview.count}</strong> parked document${preview.count === 1 ? '' : 's'} back on their way${preview.capped ? ` (the most one rerun takes, ${preview.limit}; more match)` : ''}. Nothing has been changed yet.</p>
      ${viewer.role === 'operator' && preview.count > 0 ? actionForm(viewer, '/ops/rerun', `Rerun ${preview.count}`, { fields: filterFields(filter), confirm: `Rerun ${preview.count} documents?`, testId: 'run-rerun' }) : ''}
      <a href="/ops/parked?${raw(new URLSearchParams(filterFields(filter)).toString())}">back to the list</a></div>
    <h2>By code</h2>${table(['code', 'documents'], codes, { testId: 'preview-codes' })}
    <h2>By controller</h2>${table(['controller', 'documents'], controllers)}`,
    viewer,
    '/ops/parked',
  );
}
