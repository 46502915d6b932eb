// The scrape-time numbers behind kgw_callback_dead_letters and kgw_callback_pending, read from Redis so
// that every gateway process reports the same shared state.
import type { Redis } from 'ioredis';
import { LifecycleEvents } from '../../queues/lifecycle-events.ts';
import type { CallbackMetricsSource } from '../metrics.ts';
import { CALLBACK_GROUP } from './callback-keys.ts';
import { DeliveryStore } from './delivery-store.ts';

export function callbackMetricsSource(redis: Redis, prefix: string, tenants: () => readonly string[]): CallbackMetricsSource {
  const deliveries = new DeliveryStore(redis, prefix);
  const events = new LifecycleEvents(redis, prefix);
  return {
    async counts() {
      const ids = tenants();
      const [rows, backlogs] = await Promise.all([deliveries.counts(ids), Promise.all(ids.map((t) => events.groupBacklog(t, CALLBACK_GROUP)))]);
      return rows.map((r, i) => ({ tenant: r.tenant, deadLetters: r.dead, pending: r.due + (backlogs[i] ?? 0) }));
    },
  };
}
