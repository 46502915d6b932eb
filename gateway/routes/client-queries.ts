// POST /v1/client-queries — HTTP only: the validated JSON body becomes a ClientQuery, the relay core
// (gateway/query-relay/) does the rest, the view narrows the answer to what the tenant may see.
import express from 'express';
import { tenantOf } from '../caller.ts';
import { HETU_ROOT } from '../api/common-schemas.ts';
import { clientQuerySpec } from '../api/client-queries-api.ts';
import { mountRoute } from '../api/mount-route.ts';
import type { QueryRelay } from '../query-relay/query-relay.ts';
import { restViewOf } from '../query-relay/rest-view.ts';
import type { RoutingIndex } from '../routing/index-build.ts';

export function clientQueriesRouter(deps: { relay: QueryRelay; index: () => RoutingIndex }): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  mountRoute(
    router,
    clientQuerySpec,
    async ({ body }, _req, res) => {
      const tenant = tenantOf(res);
      const answer = await deps.relay.relay(
        {
          tenant,
          askingUnit: body.askingUnit,
          custodian: body.custodian,
          client: { root: body.client.root ?? HETU_ROOT, extension: body.client.extension },
          ...(body.actingPerson ? { actingPerson: { root: body.actingPerson.root ?? HETU_ROOT, extension: body.actingPerson.extension } } : {}),
        },
        'rest',
      );
      res.status(200).json(restViewOf(answer, deps.index()));
    },
    { before: [json] },
  );
  return router;
}
