// Public surface of the routing decision engine (pure: no I/O, no clock reads).
export { buildRoutingIndex, contractKey, DEFAULT_CASE_DOCUMENT_GROUPS, type RoutingIndex, type RoutingIndexOptions } from './index-build.ts';
export { decide, type DecideInput } from './decide.ts';
export { extractRightsFromClientRelationship, validateRightEntries } from './extract-rights.ts';
export { clientKey } from './client-key.ts';
export { rejectionError } from './rejection-error.ts';
export { finnishDate } from './finnish-date.ts';
export { RULES, type RuleId, type RuleSpec } from './rules.ts';
export type {
  ParentRecord,
  RightChange,
  RightEntriesByTask,
  RightEntry,
  RightPeriod,
  RightSnapshot,
  RightSource,
  RoutingDecision,
  RoutingMeta,
  RoutingOutcome,
  RoutingRejection,
} from './types.ts';
