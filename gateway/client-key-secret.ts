// The secret behind client pseudonyms in Redis (registry rights, routing journal, usage log): never in
// the config file, required in production.
import { readFileSync } from 'node:fs';
import { GatewayError } from '../domain/errors.ts';
import type { Logger } from './logger.ts';

export function clientKeySecretFrom(env: NodeJS.ProcessEnv, logger: Logger): string {
  if (env.KGW_CLIENT_KEY_SECRET) return env.KGW_CLIENT_KEY_SECRET;
  if (env.KGW_CLIENT_KEY_SECRET_FILE) return readFileSync(env.KGW_CLIENT_KEY_SECRET_FILE, 'utf8').trim();
  if (env.NODE_ENV === 'production') throw new GatewayError('CONFIG_INVALID', 'Set KGW_CLIENT_KEY_SECRET or KGW_CLIENT_KEY_SECRET_FILE in production');
  logger.warn('KGW_CLIENT_KEY_SECRET not set: using the development pseudonym secret (never in production)');
  return 'kanta-gateway-development-only';
}
