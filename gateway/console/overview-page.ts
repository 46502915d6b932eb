// The console's first page: every send lane (access point × controller) and tenant intake with its
// figures, pause and resume for operators, and links to the parked documents by code.
import type { OpsOverview } from '../ops/ops-overview.ts';
import { actionForm, ageText, html, page, raw, table, type PageViewer } from './console-html.ts';

export function overviewPage(o: OpsOverview, viewer: PageViewer, notice?: string): string {
  const operator = viewer.role === 'operator';
  const limit = o.backlogAgeLimitSeconds;
  const lanes = o.lanes.map((l) => {
    const parked = Object.entries(l.parkedByCode).map(
      ([code, n]) => html`<a class="badge bad" href="/ops/parked?controller=${encodeURIComponent(l.controller)}&code=${encodeURIComponent(code)}">${code}: ${n}</a> `,
    );
    const state = l.parkedLaneCode
      ? html`<span class="badge bad">lane parked (${l.parkedLaneCode})</span>`
      : l.paused
        ? html`<span class="badge warn">paused</span>`
        : html`<span class="badge ok">running</span>`;
    const action = operator
      ? l.paused || l.parkedLaneCode
        ? actionForm(viewer, `/ops/controllers/${encodeURIComponent(l.controller)}/resume`, 'Resume', { testId: `resume-${l.controller}` })
        : actionForm(viewer, `/ops/controllers/${encodeURIComponent(l.controller)}/pause`, 'Pause', { confirm: `Pause ${l.controllerName ?? l.controller}? Its documents wait until resumed.`, testId: `pause-${l.controller}` })
      : html``;
    const rate = l.rate ? `${l.rate.archivedPerMinute} archived/min${l.rate.parkedPerMinute ? `, ${l.rate.parkedPerMinute} parked/min` : ''}` : '–';
    return html`<tr data-controller="${l.controller}">
      <td>${l.accessPoint}</td>
      <td>${l.controllerName ?? ''}<br><span class="oid">${l.controller}</span></td>
      <td class="num" data-testid="depth">${l.depth}</td>
      <td class="num"${raw(l.oldestWaitingAgeSeconds > limit ? ' style="color:var(--bad)"' : '')} data-testid="oldest">${ageText(l.oldestWaitingAgeSeconds)}</td>
      <td class="num">${l.inFlight}</td>
      <td>${l.circuit === 'closed' ? html`<span class="badge ok">closed</span>` : html`<span class="badge bad">${l.circuit}</span>`}</td>
      <td data-testid="state">${state}</td>
      <td data-testid="parked">${parked.length ? parked : '–'}</td>
      <td>${rate}</td>
      <td>${action}</td></tr>`;
  });
  const tenants = o.tenants.map(
    (t) => html`<tr data-tenant="${t.tenant}">
      <td>${t.name ?? ''}<br><span class="oid">${t.tenant}</span></td>
      <td class="num">${t.depth}</td><td class="num">${ageText(t.oldestWaitingAgeSeconds)}</td><td class="num">${t.inFlight}</td>
      <td>${t.paused ? html`<span class="badge warn">paused</span>` : html`<span class="badge ok">running</span>`}</td>
      <td>${operator ? (t.paused ? actionForm(viewer, `/ops/tenants/${t.tenant}/resume`, 'Resume') : actionForm(viewer, `/ops/tenants/${t.tenant}/pause`, 'Pause', { confirm: `Pause tenant ${t.tenant}?` })) : ''}</td></tr>`,
  );
  return page(
    'Overview',
    html`${notice ? html`<div class="card notice" data-testid="notice">${notice}</div>` : ''}
    <p>Parked now: <a href="/ops/parked" data-testid="parked-total">${o.parkedTotal}</a> · backlog age limit ${ageText(limit)} · read ${o.at}</p>
    <h2>Send lanes</h2>
    ${table(['access point', 'controller', 'depth', 'oldest waiting', 'in flight', 'circuit', 'state', 'parked by code', 'rate (this process, 5 min)', ''], lanes, { testId: 'lanes' })}
    <h2>Tenant intake</h2>
    ${table(['tenant', 'depth', 'oldest waiting', 'in flight', 'state', ''], tenants, { testId: 'tenants' })}`,
    viewer,
    '/ops/',
  );
}
