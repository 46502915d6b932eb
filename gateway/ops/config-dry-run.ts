// A candidate configuration checked without applying it (POST /v1/ops/config/dry-run and the console's
// configuration page): the same parse, schema and cross-reference checks a reload makes, then the
// per-version build a reload would do (routing index, credentials, trust, schema validators), so a
// file that passes here is one a reload accepts. Relative file references resolve against the
// directory of the configuration in force, as they would once the file is put in its place.
import path from 'node:path';
import { isConfigError, parseConfigText, validateConfig, type ConfigIssue, type LoadedConfig } from '../../config/load.ts';
import { buildSnapshot } from '../runtime-snapshot.ts';

export interface ConfigDryRunReport {
  ok: boolean;
  /** The version the candidate would have. */
  version?: string;
  currentVersion: string;
  /** Whether the candidate differs from the version in force. */
  changed?: boolean;
  /** Top-level sections that differ from the configuration in force. */
  changedSections?: string[];
  counts?: { organisations: number; serviceUnits: number; tenants: number; contracts: number; accessPoints: number; signingIdentities: number; operators: number };
  issues: ConfigIssue[];
}

/** Candidates larger than this are refused unread: a configuration is kilobytes, not megabytes. */
export const MAX_DRY_RUN_BYTES = 1024 * 1024;

export function configDryRun(text: string, current: LoadedConfig, env: NodeJS.ProcessEnv): ConfigDryRunReport {
  const name = `${current.file} (candidate)`;
  let candidate: LoadedConfig;
  try {
    // Parsed as YAML (a superset of JSON), whatever the current file's extension.
    const raw = parseConfigText(text, 'candidate.yaml');
    candidate = validateConfig(raw, name, path.dirname(current.file), env);
    buildSnapshot(candidate);
  } catch (err) {
    const issues = isConfigError(err) ? err.details.issues : [{ path: '', reason: (err as Error).message }];
    return { ok: false, currentVersion: current.version, issues };
  }
  const c = candidate.config;
  const changedSections = Object.keys({ ...c, ...current.config }).filter(
    (k) => JSON.stringify((c as Record<string, unknown>)[k]) !== JSON.stringify((current.config as Record<string, unknown>)[k]),
  );
  return {
    ok: true,
    version: candidate.version,
    currentVersion: current.version,
    changed: candidate.version !== current.version,
    changedSections,
    counts: {
      organisations: c.organisations.length,
      serviceUnits: c.serviceUnits.length,
      tenants: c.tenants.length,
      contracts: c.contracts.length,
      accessPoints: c.kanta.accessPoints.length,
      signingIdentities: c.signingIdentities.length,
      operators: c.gateway.operators.length + c.gateway.opsTokenSha256.length,
    },
    issues: [],
  };
}
