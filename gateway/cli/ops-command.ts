// `kanta-gateway ops …`: operate a running gateway over its ops API with an operator's token. Readable
// output by default (`ops queues` is a table with names, depth, oldest waiting age, in flight, circuit,
// state and parked documents by code); --json prints the API's answer for scripts. `ops rerun` shows
// the preview (how many, which codes) and asks before starting the background rerun, unless --yes,
// then follows the task to its end. Every refusal is the gateway's coded answer and exit 1.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { UsageError, isParseArgsError } from './command.ts';

/** Node's parse errors add advice about `--` after the first sentence; the first says what is wrong. */
function firstSentenceOf(message: string): string {
  return /^(.*?[.])(\s|$)/.exec(message)?.[1] ?? message;
}

export type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** The demo's default port (`kanta-gateway demo` prints the export line for the URL it really got). */
export const DEFAULT_OPS_URL = 'http://127.0.0.1:8080';

export const OPS_USAGE = `usage: kanta-gateway ops <action> [--url U] [--token T] [--json]
  (or KGW_URL, default ${DEFAULT_OPS_URL}, and KGW_OPS_TOKEN; the demo prints both as an export line)

  queues                                  lanes and tenants: depth, oldest waiting, in flight, circuit, state, parked by code
  document ID                             one document's status, routing, ack and history (id or submission id)
  parked [filter]                         parked documents (first 50)
  rerun [filter] [--yes] [--no-wait]      preview, ask, then rerun as a background task and follow it
  task ID                                 a rerun task's progress
  pause-controller OID | resume-controller OID | pause-tenant ID | resume-tenant ID
  reload                                  reload the configuration file
  filter: --code C --tenant T --controller OID --from ISO --to ISO [--limit N]
`;

interface Answer {
  status: number;
  body: unknown;
}

class OpsClient {
  constructor(private readonly url: string, private readonly token: string) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    const endpoint = new URL(path, this.url);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliFailure(`cannot reach ${endpoint.href}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is the gateway running? the demo prints export KGW_URL=… KGW_OPS_TOKEN=…)`);
    }
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      throw new CliFailure(`${endpoint.href} answered HTTP ${res.status} with a body that is not JSON`);
    }
  }
}

/** A failure the operator reads as one line, not a stack trace. */
class CliFailure extends Error {}

const ok = (a: Answer) => a.status >= 200 && a.status < 300;

function age(seconds: number): string {
  if (!seconds) return '-';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** Left-aligned columns, numbers right-aligned, two spaces apart. */
export function textTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells.map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

interface Overview {
  lanes: Array<{ accessPoint: string; controller: string; controllerName?: string; depth: number; oldestWaitingAgeSeconds: number; inFlight: number; circuit: string; paused: boolean; parkedLaneCode?: string; parkedByCode: Record<string, number>; rate?: { archivedPerMinute: number } }>;
  tenants: Array<{ tenant: string; name?: string; depth: number; oldestWaitingAgeSeconds: number; inFlight: number; paused: boolean }>;
  parkedTotal: number;
}

export function overviewTable(o: Overview): string {
  const parked = (p: Record<string, number>) => Object.entries(p).map(([c, n]) => `${c}:${n}`).join(' ') || '-';
  const lanes = textTable(
    ['access point', 'controller', 'name', 'depth', 'oldest', 'in flight', 'circuit', 'state', 'parked by code', 'archived/min'],
    o.lanes.map((l) => [l.accessPoint, l.controller, l.controllerName ?? '', l.depth, age(l.oldestWaitingAgeSeconds), l.inFlight, l.circuit, l.parkedLaneCode ? `lane parked (${l.parkedLaneCode})` : l.paused ? 'paused' : 'running', parked(l.parkedByCode), l.rate ? String(l.rate.archivedPerMinute) : '-']),
  );
  const tenants = textTable(
    ['tenant', 'name', 'depth', 'oldest', 'in flight', 'state'],
    o.tenants.map((t) => [t.tenant, t.name ?? '', t.depth, age(t.oldestWaitingAgeSeconds), t.inFlight, t.paused ? 'paused' : 'running']),
  );
  return `SEND LANES\n${lanes}\n\nTENANT INTAKE\n${tenants}\n\nparked documents: ${o.parkedTotal}\n`;
}

function errorLine(a: Answer): string {
  const e = (a.body as { error?: { code?: string; message?: string } }).error;
  return e?.code ? `HTTP ${a.status} ${e.code}: ${e.message ?? ''}` : `HTTP ${a.status}`;
}

export interface OpsCommandOptions {
  /** Asks the operator (default: a y/N question on the terminal). */
  confirm?: (question: string) => Promise<boolean>;
  /** How often a followed task is polled (ms). */
  pollMs?: number;
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliFailure('not a terminal: give --yes to rerun without asking');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function opsCommand(args: string[], out: Out, opts: OpsCommandOptions = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        'no-wait': { type: 'boolean', default: false },
        code: { type: 'string' },
        tenant: { type: 'string' },
        controller: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // The dispatcher (gateway/cli.ts) prints a usage mistake as one line and the usage, exit 2.
    if (isParseArgsError(err)) throw new UsageError(firstSentenceOf((err as Error).message), OPS_USAGE);
    throw err;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(OPS_USAGE);
    return 0;
  }
  const url = values.url || process.env.KGW_URL || DEFAULT_OPS_URL;
  const token = values.token || process.env.KGW_OPS_TOKEN;
  if (!token) {
    out.stderr('kanta-gateway ops: give --token or KGW_OPS_TOKEN (an operator token)\n');
    return 2;
  }
  const client = new OpsClient(url, token);
  const [action, target] = positionals;
  const filter = Object.fromEntries(Object.entries({ code: values.code, tenant: values.tenant, controller: values.controller, from: values.from, to: values.to }).filter(([, v]) => v !== undefined));
  const limit = values.limit !== undefined ? Number(values.limit) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    out.stderr('kanta-gateway ops: --limit must be a positive whole number\n');
    return 2;
  }
  /** Prints the answer (JSON, or `readable` when given and not --json); exit 0 on 2xx. */
  const show = (a: Answer, readable?: (body: unknown) => string) => {
    if (!ok(a)) {
      out.stdout(`${JSON.stringify(a.body, null, 2)}\n`);
      out.stderr(`kanta-gateway ops: ${errorLine(a)}\n`);
      return 1;
    }
    out.stdout(values.json || !readable ? `${JSON.stringify(a.body, null, 2)}\n` : readable(a.body));
    return 0;
  };
  try {
    switch (action) {
      case 'queues':
        // --json keeps the raw queue counts scripts already read; the table is the overview.
        if (values.json) return show(await client.call('GET', '/v1/ops/queues'));
        return show(await client.call('GET', '/v1/ops/overview'), (b) => overviewTable(b as Overview));
      case 'reload':
        return show(await client.call('POST', '/v1/ops/config/reload'));
      case 'pause-controller':
      case 'resume-controller':
      case 'pause-tenant':
      case 'resume-tenant': {
        if (!target) {
          out.stderr(`kanta-gateway ops ${action}: name the ${action.endsWith('controller') ? 'controller OID' : 'tenant id'}\n`);
          return 2;
        }
        const [verb, kind] = action.split('-') as [string, string];
        return show(await client.call('POST', `/v1/ops/${kind}s/${encodeURIComponent(target)}/${verb}`));
      }
      case 'document':
        if (!target) {
          out.stderr('kanta-gateway ops document: give a document id or submission id\n');
          return 2;
        }
        return show(await client.call('GET', `/v1/ops/documents/${encodeURIComponent(target)}`));
      case 'parked': {
        const q = new URLSearchParams({ ...filter, ...(limit ? { limit: String(Math.min(limit, 500)) } : {}) });
        return show(await client.call('GET', `/v1/ops/parked?${q}`), (b) => {
          const p = b as { documents: Array<{ documentId: string; tenant: string; controller: string; code?: string; updatedAt: string; run: number }>; more: boolean };
          return `${textTable(['document', 'tenant', 'controller', 'code', 'parked at', 'run'], p.documents.map((d) => [d.documentId, d.tenant, d.controller, d.code ?? '', d.updatedAt, d.run]))}\n${p.more ? '(more match; narrow the filter or use the console)\n' : ''}`;
        });
      }
      case 'task':
        if (!target) {
          out.stderr('kanta-gateway ops task: give the task id\n');
          return 2;
        }
        return show(await client.call('GET', `/v1/ops/tasks/${encodeURIComponent(target)}`));
      case 'rerun':
        return await rerun(client, { ...filter, ...(limit ? { limit } : {}) }, { yes: values.yes, wait: !values['no-wait'], json: values.json }, out, opts);
      default:
        out.stderr(OPS_USAGE);
        return 2;
    }
  } catch (err) {
    if (err instanceof CliFailure) {
      out.stderr(`kanta-gateway ops: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function rerun(client: OpsClient, filter: Record<string, unknown>, flags: { yes: boolean; wait: boolean; json: boolean }, out: Out, opts: OpsCommandOptions): Promise<number> {
  const preview = await client.call('POST', '/v1/ops/rerun/preview', filter);
  if (!ok(preview)) {
    out.stdout(`${JSON.stringify(preview.body, null, 2)}\n`);
    out.stderr(`kanta-gateway ops: ${errorLine(preview)}\n`);
    return 1;
  }
  const p = preview.body as { count: number; byCode: Record<string, number>; capped: boolean; limit: number };
  const what = Object.keys(filter).length ? Object.entries(filter).map(([k, v]) => `${k} ${v}`).join(', ') : 'every parked document';
  out.stderr(`Rerun of ${what}: ${p.count} parked document${p.count === 1 ? '' : 's'}${p.capped ? ` (the limit, ${p.limit}; more match)` : ''}\n`);
  if (p.count > 0) out.stderr(`${textTable(['code', 'documents'], Object.entries(p.byCode).map(([c, n]) => [c, n]))}\n`);
  if (p.count === 0) {
    out.stdout(flags.json ? `${JSON.stringify({ preview: p })}\n` : 'Nothing to rerun.\n');
    return 0;
  }
  if (!flags.yes && !(await (opts.confirm ?? askOnTerminal)(`Rerun these ${p.count} documents?`))) {
    out.stderr('Not rerun.\n');
    return 1;
  }
  const started = await client.call('POST', '/v1/ops/rerun', filter);
  if (!ok(started)) {
    out.stdout(`${JSON.stringify(started.body, null, 2)}\n`);
    out.stderr(`kanta-gateway ops: ${errorLine(started)}\n`);
    return 1;
  }
  const { task, statusUrl } = started.body as { task: { id: string }; statusUrl: string };
  out.stderr(`Started task ${task.id} (follow it: kanta-gateway ops task ${task.id})\n`);
  if (!flags.wait) {
    out.stdout(flags.json ? `${JSON.stringify(started.body)}\n` : `${task.id}\n`);
    return 0;
  }
  for (;;) {
    const a = await client.call('GET', statusUrl);
    if (!ok(a)) {
      out.stderr(`kanta-gateway ops: ${errorLine(a)}\n`);
      return 1;
    }
    const t = a.body as { state: string; selected: number; rerun: number; skipped: number; error?: string };
    if (t.state !== 'running') {
      out.stdout(flags.json ? `${JSON.stringify(t)}\n` : `Task ${task.id} ${t.state}: ${t.rerun} rerun, ${t.skipped} no longer parked, of ${t.selected} selected${t.error ? ` (${t.error})` : ''}\n`);
      return t.state === 'done' ? 0 : 1;
    }
    out.stderr(`  ${t.rerun + t.skipped} / ${t.selected}\n`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
