// The Prometheus alert rules: promtool's own checks and unit tests (deploy/prometheus/alerts.test.yml),
// every alert the operations issue asks for present and unit-tested, and every metric a rule uses one
// the gateway exposes.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { exposedMetricNames, metricsIn } from './metric-names.ts';

const DIR = path.resolve(import.meta.dirname, '../../deploy/prometheus');
const RULES = path.join(DIR, 'alerts.yml');
const TESTS = path.join(DIR, 'alerts.test.yml');

interface Rule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules = (): Rule[] => (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: DIR });
  if (r.error) throw new Error(`promtool not found (Debian package prometheus; scripts/install-system-deps.sh installs it): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('deploy/prometheus alert rules', function () {
  this.timeout(30_000);

  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.output).to.include('SUCCESS');
    expect(r.status, r.output).to.equal(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const r = promtool(['test', 'rules', TESTS]);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.include('SUCCESS');
  });

  it('cover every alert the operations teams asked for, each with a firing and a quiet unit test', () => {
    const names = rules().map((r) => r.alert);
    for (const required of [
      'KantaGatewayBacklogTooOld',
      'KantaGatewayFailureRatioHigh',
      'KantaGatewayDocumentsParked',
      'KantaGatewayCircuitOpen',
      'KantaGatewayCertificateExpiring',
      'KantaGatewayRedisEvicts',
      'KantaGatewayCallbackDeadLetters',
    ]) expect(names).to.include(required);
    const tests = (parse(readFileSync(TESTS, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> }).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of names) {
      const mine = tests.filter((t) => t.alertname === name);
      expect(mine.some((t) => (t.exp_alerts ?? []).length > 0), `${name} fires in a test`).to.equal(true);
      expect(mine.some((t) => (t.exp_alerts ?? []).length === 0), `${name} stays quiet in a test`).to.equal(true);
    }
  });

  it('use only metrics the gateway exposes, and give every alert a severity and a summary', async () => {
    const exposed = await exposedMetricNames();
    for (const r of rules()) {
      const used = metricsIn(r.expr);
      expect(used, r.alert).not.to.be.empty;
      for (const m of used) expect(exposed.has(m), `${r.alert} uses ${m}`).to.equal(true);
      expect(['critical', 'warning']).to.include(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).to.be.a('string');
    }
  });
});
