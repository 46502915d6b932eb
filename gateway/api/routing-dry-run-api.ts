// POST /v1/routing/dry-run (ops): the routing of recent documents replayed against a candidate
// configuration and the current one.
import { z } from 'zod';
import type { DecisionSummary, DryRunItem, DryRunReport } from '../registry-rights/dry-run-report.ts';
import type { Assert, Mirrors } from './common-schemas.ts';
import { defineRoute } from './route-spec.ts';

const decisionSummarySchema = z.object({
  accepted: z.boolean(),
  ruleId: z.string(),
  controller: z.string().optional().meta({ description: 'When accepted: the registry.' }),
  code: z.string().optional().meta({ description: 'When refused: the catalogue code.' }),
});
export type _SummaryMirrors = Assert<Mirrors<z.output<typeof decisionSummarySchema>, DecisionSummary>>;

const dryRunItemSchema = z.object({
  documentId: z.string(),
  tenantId: z.string(),
  operation: z.enum(['archive', 'version', 'void']),
  at: z.string().meta({ description: 'The original acceptance time, used as `now` for both decisions.', format: 'date-time' }),
  changed: z.boolean(),
  before: decisionSummarySchema,
  after: decisionSummarySchema,
});
export type _ItemMirrors = Assert<Mirrors<z.output<typeof dryRunItemSchema>, DryRunItem>>;

const dryRunReportSchema = z
  .object({
    currentVersion: z.string(),
    candidateVersion: z.string(),
    examined: z.number().int(),
    changed: z.number().int(),
    items: z.array(dryRunItemSchema).meta({ description: 'The changed decisions (all of them with all=true).' }),
  })
  .meta({ id: 'DryRunReport' });
export type _ReportMirrors = Assert<Mirrors<z.output<typeof dryRunReportSchema>, DryRunReport>>;

export const routingDryRunSpec = defineRoute({
  operationId: 'routingDryRun',
  method: 'post',
  path: '/v1/routing/dry-run',
  summary: 'Replay recent routing decisions against a candidate configuration',
  description: 'Same right state and same `now` (each document\'s acceptance time) for both sides, so every difference is the configuration\'s. Nothing is changed.',
  tags: ['ops'],
  auth: 'ops',
  request: {
    query: z.object({
      // Number() semantics, as the route always read it.
      limit: z.coerce.number().int('must be a positive integer').min(1, 'must be a positive integer').optional().meta({ description: 'How many of the most recent journal entries to replay (default: the whole journal).' }),
      all: z.string().optional().meta({ description: '`true` or `1` lists unchanged decisions too.' }),
    }),
    body: {
      mediaTypes: ['application/json'],
      schema: z.looseObject({}).meta({ description: 'A whole gateway configuration (the YAML file as JSON); validated as at load, an invalid one is REQUEST_INVALID with details.issues.' }),
      description: 'The candidate configuration.',
      required: true,
      parse: 'json',
    },
  },
  responses: {
    200: { description: 'What would change.', content: { 'application/json': dryRunReportSchema } },
  },
  errors: [],
});
