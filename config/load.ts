// Loads one YAML or JSON config file, applies environment overrides, resolves file references
// relative to the config file, validates and deep-freezes. A bad config is reported with file,
// path and reason for every issue, never half-applied.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GatewayError } from '../domain/errors.ts';
import { ConfigSchema, type Config } from './schema.ts';
import { callbackSecretIssues } from './callback-secrets.ts';

export interface ConfigIssue {
  path: string;
  reason: string;
}

/** A refused configuration: the catalogue's CONFIG_INVALID, with every issue found (file, path, reason). */
export type ConfigError = GatewayError & { code: 'CONFIG_INVALID'; details: { file: string; issues: ConfigIssue[] } };

export function configError(file: string, issues: ConfigIssue[]): ConfigError {
  const message = `${file}: invalid configuration\n` + issues.map((i) => `  ${file}: ${i.path || '(root)'}: ${i.reason}`).join('\n');
  return new GatewayError('CONFIG_INVALID', message, { details: { file, issues } }) as ConfigError;
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof GatewayError && err.code === 'CONFIG_INVALID' && Array.isArray((err.details as { issues?: unknown } | undefined)?.issues);
}

export interface LoadedConfig {
  config: Config;
  file: string;
  /** Content hash of the effective configuration: a version that changes whenever anything does. */
  version: string;
  loadedAt: string;
}

/**
 * Environment overrides: KGW_REDIS_URL, KGW_PORT, KGW_HOST, and the general form
 * KGW_CONFIG__a__b__0__c=value (value parsed as JSON when it parses, else taken as a string).
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  const set = (keys: string[], value: unknown) => {
    let node: Record<string, unknown> = out;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) {
        node[k] = value;
        return;
      }
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = /^\d+$/.test(keys[i + 1] ?? '') ? [] : {};
      node = node[k] as Record<string, unknown>;
    });
  };
  if (env.KGW_REDIS_URL) set(['redis', 'url'], env.KGW_REDIS_URL);
  if (env.KGW_PORT) set(['gateway', 'port'], Number(env.KGW_PORT));
  if (env.KGW_HOST) set(['gateway', 'host'], env.KGW_HOST);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('KGW_CONFIG__') || value === undefined) continue;
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      /* plain string */
    }
    set(name.slice('KGW_CONFIG__'.length).split('__'), parsed);
  }
  return out;
}

/** Config keys naming a file or directory (resolved relative to the config file; `config check --deep` checks each). */
export const FILE_KEYS = new Set(['certFile', 'keyFile', 'p12File', 'passwordFile', 'caFile', 'clientCaFile', 'trustedCaFile', 'cdaSchemaDir']);
// callbacks (issue 12 item 3): the HMAC key file of a tenant's callbacks
FILE_KEYS.add('secretFile');

function resolveFiles(node: unknown, baseDir: string): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveFiles(n, baseDir));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, FILE_KEYS.has(k) && typeof v === 'string' ? path.resolve(baseDir, v) : resolveFiles(v, baseDir)]),
    );
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function parseConfigText(text: string, file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw configError(file, [{ path: '', reason: `cannot parse: ${(err as Error).message.split('\n')[0]}` }]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw configError(file, [{ path: '', reason: 'top level must be a mapping' }]);
  return raw as Record<string, unknown>;
}

/** Validates an already-parsed raw object (used by loadConfig and by the dry-run / reload endpoints). */
export function validateConfig(raw: Record<string, unknown>, file: string, baseDir: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const withEnv = applyEnvOverrides(raw, env);
  const result = ConfigSchema.safeParse(resolveFiles(withEnv, baseDir));
  if (!result.success) {
    throw configError(
      file,
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), reason: i.message })),
    );
  }
  const config = deepFreeze(result.data);
  const version = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
  return { config, file, version, loadedAt: new Date().toISOString() };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw configError(abs, [{ path: '', reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  const loaded = validateConfig(parseConfigText(text, abs), abs, path.dirname(abs), env);
  // callbacks (issue 12 item 3): a file in force names only keys that exist (a candidate in a dry run need not).
  const missing = callbackSecretIssues(loaded.config, env);
  if (missing.length > 0) throw configError(abs, missing);
  return loaded;
}
