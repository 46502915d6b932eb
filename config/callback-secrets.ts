// The HMAC key of a tenant's callbacks: named in the configuration (an environment variable or a
// file), never written there. Resolved when a configuration loads, so `config check`, start and reload
// refuse a configuration whose key is missing instead of the first callback failing unsigned.
import { readFileSync } from 'node:fs';
import type { Config, TenantCallbacks } from './schema.ts';

/** A key shorter than this is refused: HMAC-SHA256 with a guessable key authenticates nothing. */
export const MIN_CALLBACK_SECRET_LENGTH = 16;

export type SecretResult = { ok: true; secret: string } | { ok: false; reason: string };

export function resolveCallbackSecret(c: Pick<TenantCallbacks, 'secretEnv' | 'secretFile'>, env: NodeJS.ProcessEnv): SecretResult {
  let secret: string | undefined;
  if (c.secretEnv !== undefined) {
    secret = env[c.secretEnv];
    if (secret === undefined || secret === '') return { ok: false, reason: `environment variable ${c.secretEnv} is not set` };
  } else if (c.secretFile !== undefined) {
    try {
      secret = readFileSync(c.secretFile, 'utf8').trimEnd();
    } catch (err) {
      return { ok: false, reason: `cannot read ${c.secretFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  } else {
    return { ok: false, reason: 'no secretEnv or secretFile' };
  }
  if (secret.length < MIN_CALLBACK_SECRET_LENGTH) return { ok: false, reason: `the key must be at least ${MIN_CALLBACK_SECRET_LENGTH} characters` };
  return { ok: true, secret };
}

/** Every tenant whose callback key cannot be read, as config issues (path, reason). */
export function callbackSecretIssues(config: Config, env: NodeJS.ProcessEnv): Array<{ path: string; reason: string }> {
  const out: Array<{ path: string; reason: string }> = [];
  config.tenants.forEach((t, i) => {
    if (!t.callbacks) return;
    const r = resolveCallbackSecret(t.callbacks, env);
    if (!r.ok) out.push({ path: `tenants.${i}.callbacks.${t.callbacks.secretEnv !== undefined ? 'secretEnv' : 'secretFile'}`, reason: r.reason });
  });
  return out;
}
