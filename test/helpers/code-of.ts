// The catalogue code a synchronous call throws, or undefined when it does not throw.
import type { ErrorCode, GatewayError } from '../../domain/errors.ts';

export function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return (err as GatewayError).code;
  }
  return undefined;
}
