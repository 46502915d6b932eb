// Misbehaviour on demand, like a real network service: latency, HTTP 500s, connection resets,
// answers that never come (or come late), service breaks with Retry-After, forced AE for chosen
// documents and slow-drip answers. Every request draws the same five random numbers in the same order
// from a seeded PRNG, so a seed reproduces exactly which requests fail whatever the settings are.
import { GatewayError } from '../../domain/errors.ts';

export interface FaultSettings {
  /** Added before answering: fixed ms plus uniform random 0…randomUpToMs. */
  latency?: { fixedMs?: number; randomUpToMs?: number };
  /** Share (0…1) of requests answered with HTTP 500 before processing. */
  http500Share?: number;
  /** Share of requests whose socket is destroyed. */
  resetShare?: number;
  /** 'before' processing (nothing stored) or 'after' (stored, answer lost). @defaultValue 'before' */
  resetPhase?: 'before' | 'after';
  /** Share of requests whose answer never comes ('hang') or comes after timeoutDelayMs ('late'). */
  timeoutShare?: number;
  /** @defaultValue 'hang' */
  timeoutMode?: 'hang' | 'late';
  /** @defaultValue 60000 */
  timeoutDelayMs?: number;
  /** @defaultValue 'after' (the archive stored the document, the answer got lost) */
  timeoutPhase?: 'before' | 'after';
  /** Service break: HTTP 503 with Retry-After until this instant (ISO). Set via maintenanceSeconds. */
  maintenanceUntil?: string;
  /** Convenience for PUT /admin/faults: a break of N seconds from now. */
  maintenanceSeconds?: number;
  /** Document id → detail code of a forced AE (default FORCED_ERROR). */
  forcedErrors?: Record<string, string>;
  /** Share of answers written a few bytes at a time over overMs. */
  slowDrip?: { share?: number; chunkBytes?: number; overMs?: number };
}

export interface FaultDecision {
  delayMs: number;
  http500: boolean;
  reset: 'before' | 'after' | undefined;
  timeout: { phase: 'before' | 'after'; mode: 'hang' | 'late'; delayMs: number } | undefined;
  drip: { chunkBytes: number; overMs: number } | undefined;
}

/** mulberry32: tiny, fast and good enough to pick which requests fail. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function share(v: unknown, field: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new GatewayError('REQUEST_INVALID', `fault ${field} must be a number 0…1`, { details: { field } });
  return v;
}

function nonNegative(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new GatewayError('REQUEST_INVALID', `fault ${field} must be a non-negative number`, { details: { field } });
  return v;
}

const KNOWN_KEYS = new Set(['latency', 'http500Share', 'resetShare', 'resetPhase', 'timeoutShare', 'timeoutMode', 'timeoutDelayMs', 'timeoutPhase', 'maintenanceUntil', 'maintenanceSeconds', 'forcedErrors', 'slowDrip']);

/** Validates settings from JSON and turns maintenanceSeconds into an absolute maintenanceUntil. */
export function normaliseFaults(input: unknown, now: Date, isCode: (c: string) => boolean): FaultSettings {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new GatewayError('REQUEST_INVALID', 'fault settings must be a JSON object');
  const f = input as Record<string, unknown>;
  for (const k of Object.keys(f)) if (!KNOWN_KEYS.has(k)) throw new GatewayError('REQUEST_INVALID', `unknown fault setting ${k}`, { details: { field: k } });
  const out: FaultSettings = {};
  if (f.latency !== undefined) {
    const l = f.latency as Record<string, unknown>;
    out.latency = { fixedMs: nonNegative(l.fixedMs, 'latency.fixedMs') ?? 0, randomUpToMs: nonNegative(l.randomUpToMs, 'latency.randomUpToMs') ?? 0 };
  }
  if (f.http500Share !== undefined) out.http500Share = share(f.http500Share, 'http500Share');
  if (f.resetShare !== undefined) out.resetShare = share(f.resetShare, 'resetShare');
  if (f.resetPhase !== undefined) {
    if (f.resetPhase !== 'before' && f.resetPhase !== 'after') throw new GatewayError('REQUEST_INVALID', 'resetPhase must be before or after');
    out.resetPhase = f.resetPhase;
  }
  if (f.timeoutShare !== undefined) out.timeoutShare = share(f.timeoutShare, 'timeoutShare');
  if (f.timeoutMode !== undefined) {
    if (f.timeoutMode !== 'hang' && f.timeoutMode !== 'late') throw new GatewayError('REQUEST_INVALID', 'timeoutMode must be hang or late');
    out.timeoutMode = f.timeoutMode;
  }
  if (f.timeoutPhase !== undefined) {
    if (f.timeoutPhase !== 'before' && f.timeoutPhase !== 'after') throw new GatewayError('REQUEST_INVALID', 'timeoutPhase must be before or after');
    out.timeoutPhase = f.timeoutPhase;
  }
  const delay = nonNegative(f.timeoutDelayMs, 'timeoutDelayMs');
  if (delay !== undefined) out.timeoutDelayMs = delay;
  const seconds = nonNegative(f.maintenanceSeconds, 'maintenanceSeconds');
  if (seconds !== undefined) out.maintenanceUntil = new Date(now.getTime() + seconds * 1000).toISOString();
  else if (f.maintenanceUntil !== undefined) {
    if (typeof f.maintenanceUntil !== 'string' || Number.isNaN(Date.parse(f.maintenanceUntil))) throw new GatewayError('REQUEST_INVALID', 'maintenanceUntil must be an ISO time');
    out.maintenanceUntil = f.maintenanceUntil;
  }
  if (f.forcedErrors !== undefined) {
    const fe = f.forcedErrors as Record<string, unknown>;
    if (fe === null || typeof fe !== 'object' || Array.isArray(fe)) throw new GatewayError('REQUEST_INVALID', 'forcedErrors must map document ids to detail codes');
    out.forcedErrors = {};
    for (const [id, code] of Object.entries(fe)) {
      const c = code === '' || code === null || code === undefined ? 'FORCED_ERROR' : code;
      if (typeof c !== 'string' || !isCode(c)) throw new GatewayError('REQUEST_INVALID', `forcedErrors code for ${id} is not a detail code`, { details: { field: 'forcedErrors' } });
      out.forcedErrors[id] = c;
    }
  }
  if (f.slowDrip !== undefined) {
    const d = f.slowDrip as Record<string, unknown>;
    out.slowDrip = { share: share(d.share ?? 1, 'slowDrip.share'), chunkBytes: Math.max(1, nonNegative(d.chunkBytes, 'slowDrip.chunkBytes') ?? 16), overMs: nonNegative(d.overMs, 'slowDrip.overMs') ?? 1000 };
  }
  return out;
}

/** Remaining service-break seconds (rounded up), or 0 when no break is on. */
export function maintenanceRemaining(f: FaultSettings, now: Date): number {
  if (!f.maintenanceUntil) return 0;
  const ms = Date.parse(f.maintenanceUntil) - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

export function decideFaults(f: FaultSettings, random: () => number): FaultDecision {
  // Fixed draw order: reproducibility must not depend on which faults are switched on.
  const rLatency = random();
  const r500 = random();
  const rReset = random();
  const rTimeout = random();
  const rDrip = random();
  const fixed = f.latency?.fixedMs ?? 0;
  const upTo = f.latency?.randomUpToMs ?? 0;
  return {
    delayMs: fixed + Math.floor(rLatency * (upTo + 1)) * (upTo > 0 ? 1 : 0),
    http500: r500 < (f.http500Share ?? 0),
    reset: rReset < (f.resetShare ?? 0) ? (f.resetPhase ?? 'before') : undefined,
    timeout: rTimeout < (f.timeoutShare ?? 0)
      ? { phase: f.timeoutPhase ?? 'after', mode: f.timeoutMode ?? 'hang', delayMs: f.timeoutDelayMs ?? 60_000 }
      : undefined,
    drip: f.slowDrip && rDrip < (f.slowDrip.share ?? 1)
      ? { chunkBytes: f.slowDrip.chunkBytes ?? 16, overMs: f.slowDrip.overMs ?? 1000 }
      : undefined,
  };
}
