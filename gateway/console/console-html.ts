// The console's HTML building blocks: escaping (every value shown goes through `esc`), the page
// frame with navigation, and the one small stylesheet. No templates engine, no front-end build, no
// external CDN; the Content-Security-Policy in console-router.ts allows only these own files.

export function esc(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A trusted HTML fragment (built from escaped values). */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in (v as object)) return (v as Html).html;
  return esc(v);
}

export interface PageViewer {
  name: string;
  role: 'viewer' | 'operator';
  csrf: string;
}

const NAV: Array<[string, string]> = [
  ['/ops/', 'Overview'],
  ['/ops/parked', 'Parked'],
  ['/ops/tasks', 'Tasks'],
  ['/ops/certificates', 'Certificates'],
  ['/ops/config', 'Configuration'],
];

export function page(title: string, body: Html, viewer?: PageViewer, active?: string): string {
  const nav = viewer
    ? html`<nav>${NAV.map(([href, label]) => html`<a href="${href}"${raw(active === href ? ' class="active"' : '')}>${label}</a>`)}
        <form class="doc-lookup" method="get" action="/ops/documents"><input name="id" placeholder="document id or submission id" aria-label="document id or submission id" required><button>Find</button></form>
        <span class="who" data-testid="who">${viewer.name} (${viewer.role})</span>
        <form method="post" action="/ops/logout" class="inline"><input type="hidden" name="_csrf" value="${viewer.csrf}"><button class="link">Log out</button></form></nav>`
    : html``;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · kanta-gateway ops</title><link rel="stylesheet" href="/ops/console.css"><script src="/ops/console.js" defer></script></head>
<body><header><span class="brand">kanta-gateway ops</span>${nav.html}</header><main><h1>${esc(title)}</h1>${body.html}</main></body></html>`;
}

/** A POST form with the session's CSRF token; `confirm` asks in the browser before sending. */
export function actionForm(viewer: PageViewer, action: string, label: string, opts: { fields?: Record<string, string>; confirm?: string; danger?: boolean; testId?: string } = {}): Html {
  const fields = Object.entries(opts.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="post" action="${action}" class="inline"${raw(opts.confirm ? ` data-confirm="${esc(opts.confirm)}"` : '')}><input type="hidden" name="_csrf" value="${viewer.csrf}">${fields}<button${raw(opts.danger ? ' class="danger"' : '')}${raw(opts.testId ? ` data-testid="${esc(opts.testId)}"` : '')}>${label}</button></form>`;
}

export function ageText(seconds: number): string {
  if (seconds <= 0) return '–';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

export function table(headers: string[], rows: Html[], opts: { testId?: string; empty?: string } = {}): Html {
  if (rows.length === 0) return html`<p class="empty">${opts.empty ?? 'Nothing here.'}</p>`;
  return html`<table${raw(opts.testId ? ` data-testid="${esc(opts.testId)}"` : '')}><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

export const CONSOLE_CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#f6f7f9; --accent:#1f5fbf; --bad:#b42318; --warn:#b25e09; --ok:#1a7f37; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; align-items:center; gap:12px; padding:8px 16px; background:#14213d; color:#fff; }
header a, header .link { color:#dfe7f5; text-decoration:none; padding:4px 8px; border-radius:4px; }
header a.active, header a:hover { background:#2b3d63; color:#fff; }
.brand { font-weight:600; margin-right:12px; }
nav { display:flex; flex-wrap:wrap; align-items:center; gap:4px; flex:1; }
.who { margin-left:auto; color:#c8d3e6; }
.doc-lookup input { width:22em; }
main { padding:16px 24px; max-width:1400px; }
h1 { font-size:20px; margin:4px 0 16px; } h2 { font-size:16px; margin:24px 0 8px; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f6; font-weight:600; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
code, .oid { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; color:var(--muted); }
.badge { display:inline-block; padding:1px 6px; border-radius:10px; font-size:12px; background:#e7ebf2; }
.badge.bad { background:#fde2e0; color:var(--bad); } .badge.warn { background:#fdebd3; color:var(--warn); } .badge.ok { background:#dcf3e2; color:var(--ok); }
form.inline { display:inline; }
input, select, textarea, button { font:inherit; }
input, select, textarea { padding:4px 6px; border:1px solid var(--line); border-radius:4px; }
button { padding:4px 10px; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; cursor:pointer; }
button.danger { background:var(--bad); border-color:var(--bad); }
button.link { background:none; border:none; color:#dfe7f5; padding:4px 8px; }
.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin-bottom:12px; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin-bottom:16px; }
.error { border-left:4px solid var(--bad); } .notice { border-left:4px solid var(--ok); }
dl.kv { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; margin:0; } dl.kv dt { color:var(--muted); }
.empty { color:var(--muted); }
progress { width:320px; height:16px; }
textarea { width:100%; min-height:240px; font-family: ui-monospace, monospace; font-size:12px; }
.login { max-width:360px; margin:64px auto; }
.login input { width:100%; margin:8px 0 12px; }
`;

/** Asks before destructive actions (data-confirm) and reads a chosen YAML file into the dry-run box. */
export const CONSOLE_JS = `
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
document.addEventListener('change', function (e) {
  var t = e.target;
  if (t.id !== 'yaml-file' || !t.files || !t.files[0]) return;
  var reader = new FileReader();
  reader.onload = function () { document.getElementById('yaml').value = String(reader.result); };
  reader.readAsText(t.files[0]);
});
`;
