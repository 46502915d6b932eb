// Every route of the HTTP API, in the order the description lists them. A route missing here is
// missing from GET /openapi.json; test/gateway/openapi.test.ts compares this list with the app.
import { auditExportSpec, auditSearchSpec } from './audit-api.ts';
// query relay
import { clientQuerySpec } from './client-queries-api.ts';
import { documentStatusSpec, intakeSpec } from './documents-api.ts';
import { OPS_SPECS } from './ops-api.ts';
import { getRegistryRightsSpec, putRegistryRightsSpec, searchRegistryRightsSpec } from './registry-rights-api.ts';
import type { RouteSpec } from './route-spec.ts';
import { routingDryRunSpec } from './routing-dry-run-api.ts';
import { healthzSpec, metricsSpec, openApiSpec, readyzSpec } from './service-api.ts';
// callbacks (issue 12 item 3)
import { CALLBACK_SPECS } from './callbacks-api.ts';

export const ROUTE_SPECS: readonly RouteSpec[] = [
  intakeSpec,
  documentStatusSpec,
  putRegistryRightsSpec,
  getRegistryRightsSpec,
  // audit retention / privacy: the client travels in the body of these reads
  searchRegistryRightsSpec,
  auditExportSpec,
  auditSearchSpec,
  routingDryRunSpec,
  // query relay
  clientQuerySpec,
  ...OPS_SPECS,
  // callbacks (issue 12 item 3)
  ...CALLBACK_SPECS,
  healthzSpec,
  readyzSpec,
  metricsSpec,
  openApiSpec,
];
