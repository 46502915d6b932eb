// `kanta-gateway backfill` as an operator runs it, against a real gateway, Redis and Kanta double (each its
// own process): killed with SIGKILL mid-way and run again, every document is accepted exactly once and
// archived once, nothing is lost, refusals are reported by code with their files.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { CLIENT_PLAN_EXAMPLE } from '../../adapters/intake/json-document-schema.ts';
import type { BackfillReport } from '../../gateway/backfill/backfill-report.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { ownDoc, startWorld, stopWorld, waitUntil, type World } from '../helpers/process-world.ts';

const BIN = new URL('../../bin/kanta-gateway.js', import.meta.url).pathname;

interface Backfill {
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function backfill(args: string[], env: NodeJS.ProcessEnv = {}): Backfill {
  const child = spawn(process.execPath, [BIN, 'backfill', ...args], { env: { ...process.env, KGW_URL: '', KGW_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  return { pid: child.pid!, output: () => out, exited, kill: (s) => void child.kill(s) };
}

/** Journal lines after the header: answers written so far. */
function answers(stateFile: string): number {
  if (!existsSync(stateFile)) return 0;
  return readFileSync(stateFile, 'utf8').split('\n').filter((l) => l.startsWith('{"k"')).length;
}

describe('kanta-gateway backfill (real processes)', function () {
  // About 15 s each on an idle 2-core machine; the margin is for a machine shared with other suites.
  this.timeout(180_000);
  let w: World;
  before(async () => {
    w = await startWorld('backfill');
  });
  after(() => stopWorld(w));

  it('killed with SIGKILL mid-way and run again: every document accepted once, archived once, refusals by code', async () => {
    const dir = path.join(w.dir, 'old-documents');
    mkdirSync(path.join(dir, '2019'), { recursive: true });
    mkdirSync(path.join(dir, '2020'), { recursive: true });
    const docs = Array.from({ length: 200 }, () => ownDoc('perhe'));
    docs.forEach((d, i) => writeFileSync(path.join(dir, i % 2 ? '2019' : '2020', `doc-${String(i).padStart(4, '0')}.xml`), d.xml));
    // Refused at intake: another organisation's document (routing), and a file that is no XML.
    const foreign = [ownDoc('region'), ownDoc('region')];
    foreign.forEach((d, i) => writeFileSync(path.join(dir, `foreign-${i}.xml`), d.xml));
    writeFileSync(path.join(dir, 'broken.xml'), 'this is not XML');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a document: ignored');
    const total = docs.length + foreign.length + 1;
    const state = path.join(w.dir, 'backfill.state.ndjson');
    const reportFile = path.join(w.dir, 'backfill.report.json');
    const args = [dir, '--tenant', 'perhe', '--url', w.gateway.url, '--rate', '60', '--concurrency', '4', '--state', state, '--report', reportFile, '--progress-interval', '0.3'];
    const env = { KGW_TOKEN: w.cfg.tokens.perhe };

    const first = backfill(args, env);
    await waitUntil(async () => answers(state) >= 50, 60_000, 'the first run under way');
    first.kill('SIGKILL');
    expect(await first.exited).to.equal(null);
    const afterKill = answers(state);
    expect(afterKill).to.be.below(total, 'the kill must happen mid-way');
    expect(first.output()).to.match(/backfill: \d+\/\d+ \(\d+\.\d%\) done, [\d.]+\/s, ETA \S+; accepted \d+/);

    const second = backfill(args, env);
    const code = await second.exited;
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
    expect(code, second.output()).to.equal(1); // refusals present
    expect(report.totals).to.deep.equal({ documents: total, accepted: docs.length, refused: 3, unanswered: 0, notReached: 0 });
    expect(report.thisRun.skipped).to.be.at.least(afterKill - 8, 'what the journal held was not sent again');
    expect(report.thisRun.accepted + report.thisRun.resubmitted + report.thisRun.skipped + report.thisRun.refused).to.equal(total);
    expect(report.interrupted).to.equal(false);
    const codes = Object.keys(report.refusalsByCode);
    expect(codes).to.have.length.of.at.least(2);
    const listed = Object.values(report.refusalsByCode).flatMap((r) => r.files).sort();
    expect(listed).to.deep.equal(['broken.xml', 'foreign-0.xml', 'foreign-1.xml']);
    expect(second.output()).to.match(/backfill finished: 203 documents: 200 accepted, 3 refused/);

    // Archived exactly once each: nothing lost, nothing stored twice, no resend reached the archive.
    await waitUntil(async () => (await w.double.inspect()).archived.length >= docs.length, 60_000, 'all archived');
    const inspect = await w.double.inspect();
    const ids = inspect.archived.map((a) => a.documentId);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(new Set(ids)).to.deep.equal(new Set(docs.map((d) => d.documentId)));
    expect(inspect.duplicates).to.equal(0);

    // A third run has nothing left to send.
    const third = backfill(args, env);
    expect(await third.exited).to.equal(1);
    const again = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
    expect(again.thisRun).to.deep.equal({ accepted: 0, resubmitted: 0, skipped: total, refused: 0, unanswered: 0 });
  });

  it('NDJSON: file references and JSON submissions; Ctrl-C stops cleanly, a rerun finishes without a second document', async () => {
    const archivedBefore = (await w.double.inspect()).archived.length;
    const dir = path.join(w.dir, 'ndjson');
    mkdirSync(dir, { recursive: true });
    const docs = Array.from({ length: 40 }, () => ownDoc('perhe'));
    docs.forEach((d, i) => writeFileSync(path.join(dir, `d${i}.xml`), d.xml));
    const lines = docs.map((_, i) => JSON.stringify({ file: `d${i}.xml` }));
    // JSON submissions without a submissionKey: the backfill derives one, so a resend mints the same id.
    const plans = [1, 2, 3].map((n) => ({
      ...CLIENT_PLAN_EXAMPLE,
      submissionKey: undefined,
      client: { hetu: makeHetu(n, 4, 2015, 940 + n), name: { given: ['Testi'], family: 'Henkilö' } },
      organizer: DEMO.perhe.oid,
      serviceUnit: DEMO.perhe.unit,
      serviceTask: { code: '21', displayName: 'Aikuissosiaalityö' },
      effectiveTime: `2019-0${n}-15T12:00:00+02:00`,
    }));
    lines.splice(10, 0, '{not json', '', ...plans.map((p) => JSON.stringify(p)));
    const file = path.join(dir, 'old.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const state = path.join(dir, 'state.ndjson');
    const reportFile = path.join(dir, 'report.json');
    const args = [file, '--tenant', 'perhe', '--url', w.gateway.url, '--token', w.cfg.tokens.perhe, '--rate', '10', '--concurrency', '2', '--state', state, '--report', reportFile, '--progress-interval', '0.3'];

    const first = backfill(args);
    await waitUntil(async () => answers(state) >= 5, 30_000, 'under way');
    first.kill('SIGINT');
    expect(await first.exited).to.equal(130);
    const stopped = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
    expect(stopped.interrupted).to.equal(true);
    expect(stopped.stoppedBecause).to.equal('signal SIGINT');
    // Clean stop: every answer received is in the state file, nothing is counted twice.
    expect(answers(state)).to.equal(stopped.totals.accepted + stopped.totals.refused);
    expect(stopped.totals.notReached).to.be.above(0);

    const second = backfill(args);
    expect(await second.exited, second.output()).to.equal(1);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
    expect(report.totals, JSON.stringify(report.refusalsByCode)).to.deep.equal({ documents: 44, accepted: 43, refused: 1, unanswered: 0, notReached: 0 });
    expect(report.refusalsByCode).to.deep.equal({ BACKFILL_INPUT_INVALID: { count: 1, files: ['old.ndjson:11'] } });
    expect(report.thisRun.resubmitted).to.equal(0, 'a clean stop loses no answer');

    // Everything sent again (a lost state file): the gateway answers each from the first submission.
    const fresh = backfill([file, '--tenant', 'perhe', '--url', w.gateway.url, '--token', w.cfg.tokens.perhe, '--rate', '100', '--state', path.join(dir, 'fresh.ndjson'), '--report', reportFile]);
    expect(await fresh.exited).to.equal(1);
    const resent = JSON.parse(readFileSync(reportFile, 'utf8')) as BackfillReport;
    expect(resent.thisRun).to.deep.equal({ accepted: 0, resubmitted: 43, skipped: 0, refused: 1, unanswered: 0 });
    await waitUntil(async () => (await w.double.inspect()).archived.length >= archivedBefore + 43, 60_000, 'all archived');
    expect((await w.double.inspect()).duplicates).to.equal(0);
  });

  it('refuses a state file of another source, and stops at once on a token the gateway refuses', async () => {
    const dir = path.join(w.dir, 'other');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'a.xml'), ownDoc('perhe').xml);
    const state = path.join(w.dir, 'backfill.state.ndjson'); // the first test's
    const mismatch = backfill([dir, '--tenant', 'perhe', '--url', w.gateway.url, '--token', 't', '--state', state, '--report', path.join(dir, 'r.json')]);
    expect(await mismatch.exited).to.equal(2);
    expect(mismatch.output()).to.match(/BACKFILL_STATE_MISMATCH/);
    expect(mismatch.output()).to.not.match(/\n\s+at /);

    const wrongToken = backfill([dir, '--tenant', 'perhe', '--url', w.gateway.url, '--token', 'not-a-token', '--state', path.join(dir, 's.ndjson'), '--report', path.join(dir, 'r.json')]);
    expect(await wrongToken.exited).to.equal(1);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as BackfillReport;
    expect(report.stoppedBecause).to.match(/refuses the token/);
    expect(report.totals.refused).to.equal(0, 'a refused token is not a refused document');
  });
});
