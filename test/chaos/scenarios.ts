// The chaos scenarios of issue 16, each a disturbance run against real processes while a tenant submits
// documents: kill -9 of the gateway at random moments during intake and sending; Redis killed with
// SIGKILL (AOF appendfsync everysec); the archive in a service break and misbehaving (5xx, resets
// before and after storing, answers that hang or come late, slow drips); two gateway processes on one
// Redis with one killed again and again. Sizes come from the caller (full run or the short CI variant).
import type { ConfigInput } from '../../config/schema.ts';
import { DEMO } from '../../gateway/demo/demo-environment.ts';
import { chaosTable, verdictOf, type ChaosTally } from './verdict.ts';
import { ownDocuments, statusOf, submitUntilAnswered } from './tenant-load.ts';
import { startChaosWorld, type ChaosWorld } from './world.ts';

export interface ScenarioSize {
  documents: number;
  /** Disturbances of the kill scenarios (gateway kills, Redis kills). */
  kills: number;
  maintenanceSeconds: number;
  drainTimeoutMs: number;
}

export const FULL: ScenarioSize = { documents: 300, kills: 20, maintenanceSeconds: 300, drainTimeoutMs: 600_000 };
export const SHORT: ScenarioSize = { documents: 40, kills: 3, maintenanceSeconds: 5, drainTimeoutMs: 90_000 };

interface Scenario {
  name: string;
  gateways?: number;
  override?: (c: ConfigInput) => void;
  /** Runs while the tenant submits; resolves when the disturbance is over. Returns how many disturbances. */
  disturb(w: ChaosWorld, size: ScenarioSize, progress: () => Promise<number>): Promise<number>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomBetween = (a: number, b: number) => a + Math.random() * (b - a);

/** Kills at random moments until `kills` are done, spread over intake and sending. */
async function killRepeatedly(kills: number, kill: () => Promise<void>): Promise<number> {
  for (let i = 0; i < kills; i++) {
    await pause(randomBetween(200, 1_500));
    await kill();
  }
  return kills;
}

// Sends and answers quickly enough that a hang or a late answer is a timeout within seconds.
const fastTimeouts = (c: ConfigInput) => {
  c.kanta!.accessPoints = c.kanta!.accessPoints.map((ap) => ({ ...ap, responseTimeoutMs: 2_000, connectTimeoutMs: 2_000 }));
  c.queues = { ...c.queues, retry: { baseDelayMs: 200, maxDelayMs: 2_000 }, circuitBreaker: { failureThreshold: 5, openMs: 1_000 } };
};

function faultScenario(name: string, faults: Record<string, unknown>, seconds: number): Scenario {
  return {
    name,
    override: fastTimeouts,
    async disturb(w) {
      await w.double.setFaults(faults);
      await pause(seconds * 1_000);
      await w.double.setFaults({});
      return 1;
    },
  };
}

export function scenarios(size: ScenarioSize, only?: ReadonlySet<string>): Scenario[] {
  const all: Scenario[] = [
    { name: 'gateway kill -9', disturb: (w) => killRepeatedly(size.kills, () => w.restartGateway(0, 'SIGKILL')) },
    {
      name: 'redis SIGKILL (everysec)',
      disturb: async (w, s, progress) => {
        let n = 0;
        for (let i = 0; i < Math.max(1, Math.ceil(s.kills / 5)); i++) {
          // Mid-load: after some documents are in and before all are archived.
          const target = Math.ceil(((i + 1) * s.documents) / (Math.ceil(s.kills / 5) + 2));
          const end = Date.now() + 60_000;
          while ((await progress()) < target && Date.now() < end) await pause(100);
          await w.restartRedis('SIGKILL');
          n += 1;
        }
        return n;
      },
    },
    {
      name: 'archive service break',
      override: fastTimeouts,
      async disturb(w, s) {
        await w.double.setFaults({ maintenanceSeconds: s.maintenanceSeconds });
        await pause(s.maintenanceSeconds * 1_000);
        return 1;
      },
    },
    faultScenario('archive 5xx', { http500Share: 0.3 }, 6),
    faultScenario('archive reset before storing', { resetShare: 0.3, resetPhase: 'before' }, 6),
    faultScenario('archive reset after storing', { resetShare: 0.3, resetPhase: 'after' }, 6),
    faultScenario('archive hangs', { timeoutShare: 0.2, timeoutMode: 'hang', timeoutPhase: 'after' }, 6),
    faultScenario('archive answers late', { timeoutShare: 0.2, timeoutMode: 'late', timeoutDelayMs: 3_000, timeoutPhase: 'after' }, 6),
    faultScenario('archive slow drip', { slowDrip: { share: 0.3, chunkBytes: 16, overMs: 1_500 } }, 6),
    { name: 'two gateways, one killed', gateways: 2, disturb: (w) => killRepeatedly(Math.max(2, Math.ceil(size.kills / 2)), () => w.restartGateway(1, 'SIGKILL')) },
  ];
  return only ? all.filter((s) => only.has(s.name)) : all;
}

async function auditActions(w: ChaosWorld): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const res = await fetch(`${w.gateways[0]!.url}/v1/audit/${DEMO.perhe.oid}`, { headers: { authorization: `Bearer ${w.config.tokens.ops}` } });
  if (!res.ok) throw new Error(`usage log export: HTTP ${res.status}`);
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { action?: string; documentId?: string };
    if (!e.documentId || !e.action) continue;
    let set = out.get(e.documentId);
    if (!set) out.set(e.documentId, (set = new Set()));
    set.add(e.action);
  }
  return out;
}

export async function runScenario(s: Scenario, size: ScenarioSize, log: (line: string) => void = () => {}): Promise<ChaosTally> {
  const world = await startChaosWorld(s.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase(), { gateways: s.gateways ?? 1, ...(s.override ? { override: s.override } : {}) });
  const notes: string[] = [];
  try {
    const docs = ownDocuments(size.documents);
    const token = world.config.tokens.perhe;
    const urls = () => world.gateways.map((g) => g.url);
    const archivedCount = async () => (await world.double.inspect().catch(() => ({ archived: [] as unknown[] }))).archived.length;
    const submitting = submitUntilAnswered(urls, token, docs, { concurrency: 8, deadline: Date.now() + size.drainTimeoutMs });
    const disturbances = await s.disturb(world, size, archivedCount);
    const answers = await submitting;
    const disturbedUntil = Date.now();
    log(`  ${s.name}: ${disturbances} disturbance(s) done, draining`);

    // Follow every accepted document to the end; a record lost with Redis's last second is resubmitted.
    const accepted = docs.filter((d) => answers.get(d.documentId)!.status < 300);
    const settled = new Map<string, string>();
    let resubmittedAfterLoss = 0;
    const deadline = Date.now() + size.drainTimeoutMs;
    while (settled.size < accepted.length && Date.now() < deadline) {
      for (const d of accepted) {
        if (settled.has(d.documentId)) continue;
        // Settled when the gateway says so: the archive may hold a document whose acknowledgement the
        // gateway has not recorded yet (killed in between; the resend after recovery records it).
        const st = await statusOf(urls()[0]!, token, d.documentId);
        if (st.status === 'archived' || st.status === 'parked' || st.status === 'rejected') settled.set(d.documentId, st.status);
        else if (st.http === 404) {
          resubmittedAfterLoss += 1;
          await submitUntilAnswered(urls, token, [d], { concurrency: 1, deadline });
        }
      }
      if (settled.size < accepted.length) await new Promise((r) => setTimeout(r, 500));
    }
    const drainSeconds = (Date.now() - disturbedUntil) / 1000;

    const inspect = await world.double.inspect();
    const perDoc = new Map<string, number>();
    for (const a of inspect.archived) perDoc.set(a.documentId, (perDoc.get(a.documentId) ?? 0) + 1);
    const ours = new Set(docs.map((d) => d.documentId));
    const archivedOnce = [...perDoc].filter(([id, n]) => ours.has(id) && n === 1).length;
    const storedTwice = [...perDoc].filter(([id, n]) => ours.has(id) && n > 1).length;
    const parked = [...settled.values()].filter((v) => v !== 'archived').length;
    const lost = accepted.filter((d) => !perDoc.has(d.documentId) && !['parked', 'rejected'].includes(settled.get(d.documentId) ?? '')).length;
    const audit = await auditActions(world);
    const usageLogMissing = [...perDoc.keys()].filter((id) => ours.has(id) && !(audit.get(id)?.has('intake-accepted') && audit.get(id)?.has('archived'))).length;
    const refused = docs.filter((d) => answers.get(d.documentId)!.status >= 300);
    if (refused.length > 0) notes.push(`refused: ${[...new Set(refused.map((d) => answers.get(d.documentId)!.status))].join(', ')}`);
    if (parked > 0) {
      const codes = new Map<string, number>();
      for (const [id, v] of settled) if (v !== 'archived') {
        const st = await statusOf(urls()[0]!, token, id);
        codes.set(st.code ?? v, (codes.get(st.code ?? v) ?? 0) + 1);
      }
      notes.push(`parked by code: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
    return verdictOf({
      scenario: s.name,
      submitted: docs.length,
      accepted: accepted.length,
      archivedOnce,
      storedTwice,
      lost,
      parked,
      usageLogMissing,
      resubmittedAfterLoss,
      identicalResends: inspect.duplicates,
      disturbances,
      drainSeconds,
      notes,
    });
  } finally {
    await world.stop();
  }
}

export async function runChaos(size: ScenarioSize, only: ReadonlySet<string> | undefined, log: (line: string) => void): Promise<ChaosTally[]> {
  const rows: ChaosTally[] = [];
  for (const s of scenarios(size, only)) {
    log(`scenario: ${s.name}`);
    rows.push(await runScenario(s, size, log));
    log(chaosTable(rows.slice(-1)));
  }
  return rows;
}
