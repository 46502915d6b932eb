// Job counts per queue, for the ops API and the metrics gauge: every queue this process has a handle
// for, every configured lane and every tenant's intake queue (so an idle queue shows as zeros).
import { intakeQueueName, laneQueueName, type LaneRef, type QueueRegistry } from './topology.ts';

export type QueueCounts = Record<string, Record<string, number>>;

export async function queueCounts(producers: QueueRegistry, lanes: readonly LaneRef[], tenants: readonly string[]): Promise<QueueCounts> {
  const names = new Set<string>([...producers.names(), ...lanes.map(laneQueueName), ...tenants.map(intakeQueueName)]);
  const out: QueueCounts = {};
  for (const name of names) out[name] = await producers.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  return out;
}
