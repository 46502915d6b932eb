// Schemas more than one route family uses: identifiers, the error body, the routing decision. Schemas
// with an `id` become components of the OpenAPI document and are referenced, not repeated.
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.ts';
import type { RightEntry, RoutingDecision } from '../../domain/routing-decision.ts';
import { OID_PATTERN } from '../../domain/values.ts';

/**
 * Compile-time guard that a schema mirrors a domain type: the same keys, each assignable to the
 * other. Used as `type _ = Mirrors<z.output<typeof schema>, DomainType>` so the two cannot drift.
 */
export type Mirrors<A, B extends A> = [A] extends [B] ? ([Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : never) : never;
export type Assert<T extends true> = T;

export const oid = (description: string) => z.string().regex(OID_PATTERN, 'must be an OID').meta({ description, example: '1.2.246.10.12345678.10.0' });

/** Where the client's personal identity code (hetu) is the identifier: the default root. */
export const HETU_ROOT = '1.2.246.21';

export const isoDateTime = (description: string) => z.string().meta({ description, format: 'date-time', example: '2026-09-15T09:00:00.000Z' });

export const calendarDate = (description: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').meta({ description, format: 'date', example: '2026-09-01' });

const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

export const errorCodeSchema = z.enum(ERROR_CODES).meta({
  id: 'ErrorCode',
  description: 'A code of the error catalogue (domain/errors.ts, docs/errors.md); x-error-catalogue at the top of this document lists each with its status and message.',
});

/** What http-errors.ts renders for every failure. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: errorCodeSchema,
      message: z.string().meta({ description: 'Human-readable; never contains a personal identity code or document content. Branch on code, not on this text.' }),
      ruleId: z.string().optional().meta({ description: 'The routing or right rule that refused (docs/routing.md).' }),
      details: z.record(z.string(), z.unknown()).optional().meta({ description: 'Structured detail, e.g. `field`, or `issues` (location, path, message) for a request that failed its schema.' }),
      errorId: z.string().meta({ description: 'Also in the gateway log line of this failure: quote it when reporting a problem.' }),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'Every error answer of the API.' });

export const usageSituationSchema = z.enum(['ownUse', 'registryRight']).meta({ description: 'Käyttötilanne: the controller\'s own registry, or a provider writing under a registry-use right.' });

const rightEntrySchema = z.object({
  unit: z.string().meta({ description: 'Provider service unit OID.' }),
  start: z.string().meta({ description: 'First day of the right, YYYY-MM-DD (Finnish calendar date), inclusive.' }),
  end: z.string().optional().meta({ description: 'Last day, inclusive; absent while the right is open.' }),
  task: z.string().meta({ description: 'Service task code the period is listed under.' }),
});
export type _RightEntryMirrors = Assert<Mirrors<z.output<typeof rightEntrySchema>, RightEntry>>;

export const routingDecisionSchema = z
  .object({
    accepted: z.literal(true),
    controller: z.string().meta({ description: 'Rekisterinpitäjä: the organisation whose registry the document goes into (the custodian).' }),
    registry: z.enum(['own', 'organizer']),
    writerOrganisation: z.string(),
    accessPoint: z.string(),
    signingIdentity: z.string(),
    usageSituation: usageSituationSchema,
    ruleId: z.string().meta({ description: 'The routing rule that accepted (docs/routing.md).' }),
    explanation: z.string(),
    contractId: z.string().optional(),
    right: rightEntrySchema.optional().meta({ description: 'The registry-use right period the decision relied on.' }),
    configVersion: z.string(),
  })
  .meta({ id: 'RoutingDecision', description: 'Why the document goes where it goes (docs/routing.md).' });
export type _RoutingDecisionMirrors = Assert<Mirrors<z.output<typeof routingDecisionSchema>, RoutingDecision>>;
