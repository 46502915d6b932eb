// A routing refusal as the GatewayError the HTTP layer renders: same code, message, ruleId and details.
import { GatewayError } from '../../domain/errors.ts';
import type { RoutingRejection } from './types.ts';

export function rejectionError(r: RoutingRejection): GatewayError {
  return new GatewayError(r.code, r.message, { ruleId: r.ruleId, details: { ...r.details, configVersion: r.configVersion } });
}
