// What intake needs from routing: the decision (with the lookups it needs) and the bookkeeping after an
// acceptance. Values in, values out: no DOM crosses this line (gateway/routing-service.ts implements it).
import type { DocumentMetadata } from '../../domain/document-header.ts';
import type { RoutingDecision, RoutingOutcome } from '../../domain/routing-decision.ts';
import type { DocumentOperation } from '../../domain/values.ts';
import type { Tenant } from '../../config/schema.ts';
import type { RightEntriesByTask } from '../routing/types.ts';

export type IntakeDecision = RoutingDecision & {
  /** The asiakkuusasiakirja that opened the right used, when it passed through the gateway. */
  rightSourceDocumentId?: string;
};

export interface RoutingPort {
  decide(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, now: Date): Promise<RoutingOutcome & { rightSourceDocumentId?: string }>;
  /** Learns the rights an accepted asiakkuusasiakirja grants (`granted`) and journals the routing input for dry runs. */
  afterAccept(tenant: Tenant, meta: DocumentMetadata, operation: DocumentOperation, decision: RoutingDecision, granted: RightEntriesByTask | undefined, now: Date): Promise<void>;
}
