// `kanta-gateway backfill DIR|FILE.ndjson --tenant ID`: submits historical documents to a running
// gateway, throttled, with progress, resumable (gateway/backfill/).
import path from 'node:path';
import { GatewayError } from '../../domain/errors.ts';
import { UsageError, parseOptions, positiveInt, positiveNumber, type CliCommand } from './command.ts';

const DEFAULT_RATE = 50;
const DEFAULT_CONCURRENCY = 8;

const USAGE = `usage: kanta-gateway backfill DIR|FILE.ndjson --tenant ID [--url U] [--token T]
         [--rate N] [--concurrency N] [--state FILE] [--report FILE] [--retries N] [--retry-refused]

  Submits historical documents to a running gateway's intake (POST /v1/documents) as the tenant the
  token belongs to: the CDA files (*.xml; *.json = JSON submissions) of DIR and its subdirectories in
  sorted order, or the lines of FILE.ndjson (each a JSON submission, or {"file": "doc.xml"} relative to
  the NDJSON file, optionally with "operation"). Progress on stderr: a bar on a terminal, else a line
  every --progress-interval seconds (done, rate, ETA, refusals by code).

  Resumable: every answer goes into the state file (append-only, fsynced in batches); run the same
  command again after Ctrl-C or a crash and only documents without an answer are sent. A document sent
  twice is harmless: the gateway answers it from the first submission. Ctrl-C stops after the requests
  in flight, writes the state and the report (exit 130).

  --tenant ID             the tenant the documents belong to (names the state; must match the token's)
  --url U                 the gateway (or KGW_URL; default http://127.0.0.1:8080)
  --token T               the tenant's bearer token (better: KGW_TOKEN, kept out of the process list)
  --rate N                documents per second at most (default ${DEFAULT_RATE})
  --concurrency N         requests in flight (default ${DEFAULT_CONCURRENCY})
  --state FILE            state journal (default kanta-backfill-ID.state.ndjson)
  --report FILE           final report, JSON (default kanta-backfill-ID.report.json)
  --retries N             retries of a retryable failure (no connection, 408, 429, 5xx) before the
                          document is left for the next run (default 8)
  --retry-refused         send documents the state records as refused again (e.g. after a fix)
  --progress-interval S   seconds between plain progress lines when stderr is no terminal (default 10)

  Exit 0 every document accepted, 1 some refused or unanswered (see the report), 130 interrupted.
`;

export const backfillCommand: CliCommand = {
  name: 'backfill',
  synopsis: 'backfill DIR|FILE.ndjson --tenant ID  submit historical documents: throttled, with progress, resumable',
  usage: USAGE,
  async run(args, out) {
    const { values, positionals } = parseOptions(args, {
      tenant: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      state: { type: 'string' },
      report: { type: 'string' },
      retries: { type: 'string' },
      'retry-refused': { type: 'boolean' },
      'progress-interval': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the directory or NDJSON file to backfill' : `unexpected argument ${positionals[1]}`);
    const tenant = values.tenant;
    if (!tenant) throw new UsageError('give --tenant ID');
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenant)) throw new UsageError('--tenant must be a tenant id (lowercase letters, digits and dashes)');
    const token = values.token ?? process.env.KGW_TOKEN;
    if (!token) throw new UsageError('give --token or KGW_TOKEN (the tenant\'s bearer token)');
    const url = (values.url ?? (process.env.KGW_URL || 'http://127.0.0.1:8080')).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError('--url must be an http(s) URL');
    const rate = positiveNumber(values.rate, 'rate') ?? DEFAULT_RATE;
    const concurrency = positiveInt(values.concurrency, 'concurrency', DEFAULT_CONCURRENCY, 256);
    const retries = values.retries === '0' ? 0 : positiveInt(values.retries, 'retries', 8, 1000);
    const intervalS = positiveNumber(values['progress-interval'], 'progress-interval') ?? 10;

    const { openSource } = await import('../backfill/backfill-source.ts');
    const { runBackfill } = await import('../backfill/run-backfill.ts');
    const { untilSignal } = await import('../until-signal.ts');
    let source;
    try {
      source = openSource(positionals[0]!, tenant);
    } catch (err) {
      out.stderr(`kanta-gateway backfill: ${err instanceof GatewayError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
      return 1;
    }
    const stateFile = path.resolve(values.state ?? `kanta-backfill-${tenant}.state.ndjson`);
    const reportFile = path.resolve(values.report ?? `kanta-backfill-${tenant}.report.json`);
    try {
      const { report, exitCode } = await runBackfill({
        source,
        tenant,
        url,
        token,
        rate,
        concurrency,
        stateFile,
        reportFile,
        retries,
        retryRefused: values['retry-refused'] ?? false,
        progress: { stream: process.stderr, intervalMs: intervalS * 1000 },
        stopSignal: untilSignal(),
      });
      const t = report.totals;
      const refusals = Object.entries(report.refusalsByCode).map(([code, r]) => `${code} ${r.count}`).join(', ') || '0';
      out.stdout(
        `backfill ${report.interrupted ? `stopped (${report.stoppedBecause})` : 'finished'}: ${t.documents} documents: ${t.accepted} accepted, ${t.refused} refused (${refusals}), ${t.unanswered} unanswered, ${t.notReached} not reached; ` +
          `this run ${report.thisRun.accepted} accepted, ${report.thisRun.resubmitted} resubmitted, ${report.thisRun.skipped} skipped, ${report.durationSeconds}s, ${report.ratePerSecond}/s\n` +
          `report: ${reportFile}\nstate:  ${stateFile}\n`,
      );
      return exitCode;
    } catch (err) {
      if (err instanceof GatewayError) {
        out.stderr(`kanta-gateway backfill: ${err.code}: ${err.message}\n`);
        return err.code === 'BACKFILL_STATE_MISMATCH' ? 2 : 1;
      }
      throw err;
    }
  },
};
