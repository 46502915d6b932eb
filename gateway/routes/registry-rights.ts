// PUT /v1/registry-rights and POST /v1/registry-rights/search: registry-use rights set by an organizer
// whose client-relationship documents do not pass through the gateway, and read back by the organizer
// and the providers it names (seed 004 §3.3). The read takes the client in the body: the former
// GET ?client= answers REQUEST_CLIENT_IN_URL, since a proxy would log the hetu in the URL. The hetu arrives in the request and is hashed at once (clientKey); it is never stored,
// logged or echoed. Anyone else gets 404, so the answer does not reveal whether a client has rights.
import type { AuditLog } from '../audit/audit-log.ts';
import { rightReadEvent, rightSetEvent } from '../audit/audit-events.ts';
import express from 'express';
import { GatewayError } from '../../domain/errors.ts';
import { tenantOf } from '../caller.ts';
import { isValidHetu } from '../../adapters/cda/hetu.ts';
import type { RoutingIndex } from '../routing/index-build.ts';
import { validateRightEntries } from '../routing/extract-rights.ts';
import type { RightChange, RightEntriesByTask, RightPeriod, RightSnapshot } from '../routing/types.ts';
import type { ClientId, RegistryRightStore } from '../registry-rights/right-store.ts';
import { HETU_ROOT } from '../api/common-schemas.ts';
import { mountRoute } from '../api/mount-route.ts';
import { getRegistryRightsSpec, putRegistryRightsSpec, searchRegistryRightsSpec } from '../api/registry-rights-api.ts';
import { refuseClientInUrl } from './client-in-url.ts';

/** The client as the schema let it through; the hetu checksum is checked here, never echoed. */
function clientFrom(root: string | undefined, extension: string): ClientId {
  const r = root ?? HETU_ROOT;
  // Message without the value: it is a personal identity code.
  if (r === HETU_ROOT && !isValidHetu(extension)) throw new GatewayError('INTAKE_INVALID_HETU', 'The client personal identity code fails its checksum');
  return { root: r, extension };
}

/** What one tenant may see of a right state: everything as organizer, its own units' periods as provider. */
function visibleTo(orgs: ReadonlySet<string>, index: RoutingIndex, state: RightSnapshot): { role: 'organizer' | 'provider'; entries: RightEntriesByTask } | undefined {
  if (orgs.has(state.organizer)) return { role: 'organizer', entries: state.entries };
  const own = ownEntries(orgs, index, state.entries);
  return Object.keys(own).length > 0 ? { role: 'provider', entries: own } : undefined;
}

function ownEntries(orgs: ReadonlySet<string>, index: RoutingIndex, entries: RightEntriesByTask): RightEntriesByTask {
  const out: Record<string, RightPeriod[]> = {};
  for (const [task, list] of Object.entries(entries)) {
    const mine = list.filter((p) => {
      const owner = index.units.get(p.unit)?.organisation;
      return owner !== undefined && orgs.has(owner);
    });
    if (mine.length) out[task] = mine;
  }
  return out;
}

/** A provider sees only the changes that changed its own periods. */
function providerHistory(orgs: ReadonlySet<string>, index: RoutingIndex, changes: RightChange[]) {
  const out: { effectiveAt: string; entries: RightEntriesByTask }[] = [];
  let last = '{}';
  for (const c of changes) {
    const mine = ownEntries(orgs, index, c.entries);
    const text = JSON.stringify(mine);
    if (text !== last) out.push({ effectiveAt: c.effectiveAt, entries: mine });
    last = text;
  }
  return out;
}

export function registryRightsRouter(deps: { rights: RegistryRightStore; index: () => RoutingIndex; audit?: AuditLog }): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });

  mountRoute(
    router,
    putRegistryRightsSpec,
    async ({ body }, _req, res) => {
      const tenant = tenantOf(res);
      const { organizer, client, entries } = body;
      const clientId = clientFrom(client.root, client.extension);
      const index = deps.index();
      if (!index.organisations.has(organizer)) throw new GatewayError('ROUTE_UNKNOWN_ORGANISATION', `Organizer ${organizer} is not a configured organisation`, { details: { organizer } });
      if (!index.actsForByTenant.get(tenant.id)?.has(organizer)) {
        throw new GatewayError('AUTH_FORBIDDEN_ROLE', 'Only the organizer may set its registry-use rights', { details: { organizer } });
      }
      // The schema checked the shape; calendar validity and end ≥ start are checked here.
      const valid = validateRightEntries(entries);
      const saved = await deps.rights.put({ organizer, client: clientId, entries: valid, at: new Date(), by: tenant.id });
      await deps.audit?.append(rightSetEvent({ tenant, organizer, client: clientId }));
      res.status(200).json({ organizer: saved.organizer, effectiveAt: saved.effectiveAt, source: saved.source, entries: saved.entries });
    },
    { before: [json] },
  );

  mountRoute(router, getRegistryRightsSpec, (_input, req) => {
    refuseClientInUrl(req, 'POST /v1/registry-rights/search');
    throw new GatewayError('REQUEST_CLIENT_IN_URL', 'Reading registry-use rights moved to POST /v1/registry-rights/search with the client in the JSON body', { details: { useInstead: 'POST /v1/registry-rights/search' } });
  });

  mountRoute(router, searchRegistryRightsSpec, async ({ body: q }, _req, res) => {
    const tenant = tenantOf(res);
    const clientId = clientFrom(q.client.root, q.client.extension);
    const wanted = q.organizer;
    const withHistory = q.history === true;
    const index = deps.index();
    const orgs = new Set(index.actsForByTenant.get(tenant.id)?.keys() ?? []);
    const organizers = wanted ? [wanted] : await deps.rights.organizersOf(clientId);

    const rights = [];
    for (const organizer of organizers) {
      const state = await deps.rights.current(organizer, clientId);
      if (!state) continue;
      const view = visibleTo(orgs, index, state);
      if (!view) continue;
      const item: Record<string, unknown> = {
        organizer,
        role: view.role,
        effectiveAt: state.effectiveAt,
        source: view.role === 'organizer' ? state.source : { kind: state.source.kind },
        entries: view.entries,
      };
      if (withHistory) {
        const changes = await deps.rights.history(organizer, clientId);
        item.history =
          view.role === 'organizer'
            ? changes.map((c) => ({ effectiveAt: c.effectiveAt, source: c.source, entries: c.entries }))
            : providerHistory(orgs, index, changes);
      }
      rights.push(item);
      const firstUnit = Object.values(view.entries)[0]?.[0]?.unit;
      const reader = view.role === 'provider' && firstUnit ? index.units.get(firstUnit)?.organisation : undefined;
      await deps.audit?.append(rightReadEvent({ tenant, organizer, client: clientId, role: view.role, ...(reader ? { readerOrganisation: reader } : {}) }));
    }
    if (rights.length === 0) throw new GatewayError('NOT_FOUND', 'No registry-use rights visible to this tenant for the client');
    res.json({ client: { root: clientId.root }, rights });
  }, { before: [json] });

  return router;
}
