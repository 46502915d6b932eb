// A background rerun's progress. While it runs the page refreshes itself every two seconds (a meta
// refresh: no script needed); the state is in Redis, so any gateway process shows it.
import type { TaskView } from '../ops/rerun-tasks.ts';
import { html, page, table, type PageViewer } from './console-html.ts';

function what(t: TaskView): string {
  if ('documents' in t.request) return `${t.request.documents.length} selected documents`;
  const f = Object.entries(t.request.filter).map(([k, v]) => `${k} ${v}`);
  return f.length ? f.join(', ') : 'every parked document';
}

export function taskPage(t: TaskView, viewer: PageViewer): string {
  const body = page(
    `Rerun task ${t.id.slice(0, 8)}`,
    html`<div class="card"><dl class="kv">
      <dt>state</dt><dd><span class="badge${t.state === 'done' ? ' ok' : t.state === 'failed' ? ' bad' : ' warn'}" data-testid="task-state">${t.state}</span></dd>
      <dt>progress</dt><dd><progress max="${Math.max(1, t.selected)}" value="${t.rerun + t.skipped}"></progress> <span data-testid="task-progress">${t.rerun + t.skipped} / ${t.selected}</span></dd>
      <dt>rerun</dt><dd data-testid="task-rerun">${t.rerun}</dd><dt>skipped (no longer parked)</dt><dd>${t.skipped}</dd>
      <dt>what</dt><dd>${what(t)}</dd><dt>by</dt><dd>${t.by}</dd><dt>started</dt><dd>${t.createdAt}</dd><dt>last progress</dt><dd>${t.updatedAt}</dd>
      ${t.error ? html`<dt>error</dt><dd>${t.error}</dd>` : ''}</dl></div>`,
    viewer,
    '/ops/tasks',
  );
  return t.state === 'running' ? body.replace('<meta charset="utf-8">', '<meta charset="utf-8"><meta http-equiv="refresh" content="2">') : body;
}

export function tasksPage(tasks: TaskView[], viewer: PageViewer): string {
  const rows = tasks.map((t) => html`<tr><td><a href="/ops/tasks/${t.id}">${t.id.slice(0, 8)}</a></td><td>${t.state}</td><td class="num">${t.rerun} / ${t.selected}</td><td>${what(t)}</td><td>${t.by}</td><td>${t.createdAt}</td></tr>`);
  return page('Rerun tasks', table(['task', 'state', 'rerun / selected', 'what', 'by', 'started'], rows, { empty: 'No tasks in the last day.' }), viewer, '/ops/tasks');
}
