// Everything request handling derives from one configuration version, built once and swapped as a
// whole on reload: a request sees one version's config, routing index, credentials and trust, never a
// mix of two. Building may throw (e.g. an unreadable CA file): the old snapshot then stays in force.
import { readFileSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { buildCredentialIndex, type CredentialIndex } from './auth.ts';
import { schemaValidators, type CdaSchemaValidator } from './intake/schema-validation.ts';
import { buildRoutingIndex, type RoutingIndex } from './routing/index.ts';

export interface RuntimeSnapshot {
  readonly config: Config;
  readonly version: string;
  readonly index: RoutingIndex;
  readonly credentials: CredentialIndex;
  /** The CA bundle incoming signatures must chain to (signer.trustedCaFile), read once per version. */
  readonly trustedCaPems: string[] | undefined;
  /** The CDA schema validator per access point id, where validation is configured. */
  readonly schemaValidators: ReadonlyMap<string, CdaSchemaValidator>;
}

export function buildSnapshot(loaded: LoadedConfig): RuntimeSnapshot {
  const { config, version } = loaded;
  return Object.freeze({
    config,
    version,
    index: buildRoutingIndex(config, version),
    credentials: buildCredentialIndex(config),
    trustedCaPems: config.signer.trustedCaFile ? [readFileSync(config.signer.trustedCaFile, 'utf8')] : undefined,
    schemaValidators: schemaValidators(config.validation, config.kanta.accessPoints),
  });
}
