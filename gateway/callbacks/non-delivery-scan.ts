// The non-delivery report (as NHS MESH sends one): a document still open — not archived, parked or
// rejected — nonDeliveryAfterMinutes after acceptance gets one `non-delivery` callback, once. One
// process scans per interval (a Redis lock that simply expires); a per-document marker, set in the same
// MULTI that queues the report, makes it once per document across processes and restarts.
import type { DocumentRecord } from '../../domain/document-record.ts';
import { isOpen } from '../../domain/lifecycle.ts';
import { nonDeliveryCallbackBody, nonDeliveryEventId } from './callback-event.ts';
import type { CallbackTenant } from './callback-tenant.ts';
import type { DeliveryStore, NewDelivery } from './delivery-store.ts';

/** The store reads the scan needs (queues/document-store.ts). */
export interface OverdueScanStore {
  openChunk(cursor: string, count: number): Promise<{ next: string; refs: Array<{ tenant: string; documentId: string }> }>;
  acceptedAtOf(refs: ReadonlyArray<{ tenant: string; documentId: string }>): Promise<Array<string | undefined>>;
  get(tenant: string, documentId: string): Promise<DocumentRecord | undefined>;
}

/** How long the "reported" marker of a document stays: longer than any document stays open in practice. */
export const NON_DELIVERY_MARKER_TTL_SECONDS = 400 * 24 * 3600;
const CHUNK = 500;

export async function scanOverdueDocuments(deps: { store: OverdueScanStore; deliveries: DeliveryStore; tenants: readonly CallbackTenant[]; now: Date; lockMs: number }): Promise<number> {
  const watched = new Map(deps.tenants.filter((t) => t.callbacks.events.includes('non-delivery')).map((t) => [t.id, t]));
  if (watched.size === 0) return 0;
  if (!(await deps.deliveries.takeLock(deps.deliveries.keys.nonDeliveryLock, deps.lockMs))) return 0;
  let queued = 0;
  let cursor = '0';
  do {
    const { next, refs } = await deps.store.openChunk(cursor, CHUNK);
    cursor = next;
    const mine = refs.filter((r) => watched.has(r.tenant));
    const acceptedAt = await deps.store.acceptedAtOf(mine);
    for (const [i, ref] of mine.entries()) {
      const t = watched.get(ref.tenant)!;
      const at = acceptedAt[i];
      const limitMs = t.callbacks.nonDeliveryAfterMinutes * 60_000;
      if (!at || deps.now.getTime() - Date.parse(at) < limitMs) continue;
      const marker = deps.deliveries.keys.nonDeliveryMarker(ref.tenant, ref.documentId);
      if (await deps.deliveries.hasMarker(marker)) continue;
      const rec = await deps.store.get(ref.tenant, ref.documentId);
      if (!rec || !isOpen(rec.status)) continue;
      const body = JSON.stringify(nonDeliveryCallbackBody(rec, t.callbacks.nonDeliveryAfterMinutes, deps.now));
      const items: NewDelivery[] = t.callbacks.urls.map((url) => ({ tenant: t.id, eventId: nonDeliveryEventId(rec.documentId), type: 'non-delivery', documentId: rec.documentId, url, body }));
      await deps.deliveries.enqueue(items, deps.now, { markerKey: marker, markerTtlSeconds: NON_DELIVERY_MARKER_TTL_SECONDS });
      queued += 1;
    }
  } while (cursor !== '0');
  return queued;
}
