// What a chaos scenario proves, counted from outside: the archive double's state, the gateway's status
// API and the usage log (käyttöloki). Pass = every submitted document accepted and archived exactly
// once, none lost, none stored twice, none parked (drained without an operator), no usage-log entry
// missing.

export interface ChaosTally {
  scenario: string;
  submitted: number;
  accepted: number;
  archivedOnce: number;
  storedTwice: number;
  lost: number;
  parked: number;
  usageLogMissing: number;
  /** Documents resubmitted because their record was gone after a Redis crash (a client's normal reaction). */
  resubmittedAfterLoss: number;
  /** The archive's identical-resend counter: harmless (same bytes, the archive stores nothing twice). */
  identicalResends: number;
  disturbances: number;
  drainSeconds: number;
  pass: boolean;
  notes: string[];
}

export function verdictOf(t: Omit<ChaosTally, 'pass'>): ChaosTally {
  const pass = t.accepted === t.submitted && t.archivedOnce === t.submitted && t.lost === 0 && t.storedTwice === 0 && t.parked === 0 && t.usageLogMissing === 0;
  return { ...t, pass };
}

const COLUMNS: Array<[keyof ChaosTally, string]> = [
  ['scenario', 'scenario'],
  ['disturbances', 'disturb'],
  ['submitted', 'submitted'],
  ['accepted', 'accepted'],
  ['archivedOnce', 'archived once'],
  ['storedTwice', 'stored twice'],
  ['lost', 'lost'],
  ['parked', 'parked'],
  ['usageLogMissing', 'log missing'],
  ['resubmittedAfterLoss', 'resubmitted'],
  ['drainSeconds', 'drain s'],
  ['pass', 'verdict'],
];

export function chaosTable(rows: ChaosTally[]): string {
  const cells = rows.map((r) => COLUMNS.map(([k]) => (k === 'pass' ? (r.pass ? 'PASS' : 'FAIL') : k === 'drainSeconds' ? r.drainSeconds.toFixed(1) : String(r[k]))));
  const widths = COLUMNS.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([, h]) => h)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
