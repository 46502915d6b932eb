// The client's pseudonym in right state and the routing journal: Redis never holds a hetu there.
// Keyed HMAC, so the key cannot be recomputed from a guessed hetu without the secret.
import { createHmac } from 'node:crypto';
import { GatewayError } from '../../domain/errors.ts';

export function clientKey(client: { root: string; extension?: string }, secret: string): string {
  if (!secret) throw new GatewayError('CONFIG_INVALID', 'clientKey needs a non-empty secret');
  if (!client.root) throw new GatewayError('REQUEST_INVALID', 'client id root is missing');
  // The separator cannot occur in an OID, so root|extension pairs never collide.
  return createHmac('sha256', secret).update(`${client.root}|${client.extension ?? ''}`).digest('hex');
}
