// What an operator looks at first: per send lane (access point × controller) and per tenant intake,
// with names from the configuration in force, the depth, the age of the oldest waiting document, the
// jobs in flight, the circuit, whether it is paused or parked, the parked documents by code and the
// finish rate. Read from the same bounded, cached Redis reads the metrics gauges use
// (metrics-sources.ts), so opening the console costs what a scrape costs.
import type { Config } from '../../config/schema.ts';
import type { CircuitStateName, MetricsSources } from '../metrics.ts';
import type { FinishRate, FinishRateSampler } from './finish-rate.ts';

export interface LaneOverview {
  accessPoint: string;
  controller: string;
  controllerName?: string;
  depth: number;
  oldestWaitingAgeSeconds: number;
  inFlight: number;
  circuit: CircuitStateName;
  paused: boolean;
  /** Set while Kanta refused the controller as a whole (the lane waits for a resume). */
  parkedLaneCode?: string;
  /** Documents of this controller parked right now, by code (the whole controller, across access points). */
  parkedByCode: Record<string, number>;
  rate?: FinishRate;
}

export interface TenantOverview {
  tenant: string;
  name?: string;
  depth: number;
  oldestWaitingAgeSeconds: number;
  inFlight: number;
  paused: boolean;
}

export interface OpsOverview {
  lanes: LaneOverview[];
  tenants: TenantOverview[];
  parkedTotal: number;
  backlogAgeLimitSeconds: number;
  /** When the parked counts were last computed (they come from a background scan, at most a minute old). */
  at: string;
}

export interface OpsOverviewDeps {
  sources: Pick<MetricsSources, 'laneStats' | 'intakeStats' | 'parkedNow' | 'parkedLanes' | 'paused' | 'circuits' | 'backlogAgeLimitSeconds'>;
  config: () => Config;
  rates?: Pick<FinishRateSampler, 'rateOf'>;
  /**
   * Uncached pause state (Pipeline.controlState): the page an operator sees right after pausing must
   * show it paused, which the metrics' 2-second cache would not.
   */
  control?: () => Promise<{ pausedControllers: string[]; pausedTenants: string[] }>;
  now?: () => Date;
}

export async function opsOverview(deps: OpsOverviewDeps): Promise<OpsOverview> {
  const [lanes, intakes, parked, parkedLanes, paused] = await Promise.all([
    deps.sources.laneStats(),
    deps.sources.intakeStats(),
    deps.sources.parkedNow(),
    deps.sources.parkedLanes(),
    deps.control
      ? deps.control().then((c) => ({ controllers: c.pausedControllers, tenants: [...c.pausedTenants, ...deps.config().tenants.filter((t) => t.paused).map((t) => t.id)] }))
      : deps.sources.paused(),
  ]);
  const cfg = deps.config();
  const orgName = new Map(cfg.organisations.map((o) => [o.oid, o.name]));
  const tenantName = new Map(cfg.tenants.map((t) => [t.id, t.name]));
  const circuits = new Map(deps.sources.circuits().map((c) => [c.accessPoint, c.state]));
  const pausedControllers = new Set(paused.controllers);
  const pausedTenants = new Set(paused.tenants);
  const parkedBy = new Map<string, Record<string, number>>();
  for (const p of parked) parkedBy.set(p.controller, { ...(parkedBy.get(p.controller) ?? {}), [p.code]: p.count });
  const laneParked = new Map(parkedLanes.map((l) => [`${l.accessPoint}|${l.controller}`, l.code]));
  const laneRows: LaneOverview[] = lanes
    .map((l) => {
      const name = orgName.get(l.controller);
      const code = laneParked.get(`${l.accessPoint}|${l.controller}`);
      const rate = deps.rates?.rateOf(l.controller);
      return {
        accessPoint: l.accessPoint,
        controller: l.controller,
        ...(name ? { controllerName: name } : {}),
        depth: l.depth,
        oldestWaitingAgeSeconds: Math.round(l.oldestWaitingAgeSeconds),
        inFlight: l.inFlight,
        circuit: circuits.get(l.accessPoint) ?? 'closed',
        paused: pausedControllers.has(l.controller),
        ...(code ? { parkedLaneCode: code } : {}),
        parkedByCode: parkedBy.get(l.controller) ?? {},
        ...(rate ? { rate } : {}),
      };
    })
    .sort((a, b) => a.accessPoint.localeCompare(b.accessPoint) || (a.controllerName ?? a.controller).localeCompare(b.controllerName ?? b.controller));
  const tenantRows: TenantOverview[] = intakes
    .map((t) => {
      const name = tenantName.get(t.tenant);
      return { tenant: t.tenant, ...(name ? { name } : {}), depth: t.depth, oldestWaitingAgeSeconds: Math.round(t.oldestWaitingAgeSeconds), inFlight: t.inFlight, paused: pausedTenants.has(t.tenant) };
    })
    .sort((a, b) => a.tenant.localeCompare(b.tenant));
  return {
    lanes: laneRows,
    tenants: tenantRows,
    parkedTotal: parked.reduce((n, p) => n + p.count, 0),
    backlogAgeLimitSeconds: deps.sources.backlogAgeLimitSeconds(),
    at: (deps.now ?? (() => new Date()))().toISOString(),
  };
}
