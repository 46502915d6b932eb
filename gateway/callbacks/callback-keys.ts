// The callback sender's own Redis keys (nothing of a document's state; that stays in queues/redis-keys.ts):
//   {p}:callbacks:deliveries:{tenant}      hash  delivery id → delivery (JSON: body, url, attempts, last error)
//   {p}:callbacks:due:{tenant}             zset  delivery id → when it is due (ms); a taken one is pushed
//                                                to "now + lease", so a process that dies leaves it due again
//   {p}:callbacks:dead:{tenant}            zset  delivery id → when it was given up (ms): the dead-letter list
//   {p}:callbacks:ndr:{tenant}:{documentId} string a non-delivery report was queued for this document
//   {p}:callbacks:ndr-lock                 string one gateway process scans for overdue documents at a time
// The lifecycle stream's consumer group is CALLBACK_GROUP on {p}:events:{tenant} (queues/lifecycle-events.ts).
export const CALLBACK_GROUP = 'kgw-callbacks';

export class CallbackKeys {
  constructor(readonly prefix: string) {}

  deliveries(tenant: string): string {
    return `${this.prefix}:callbacks:deliveries:${tenant}`;
  }

  due(tenant: string): string {
    return `${this.prefix}:callbacks:due:${tenant}`;
  }

  dead(tenant: string): string {
    return `${this.prefix}:callbacks:dead:${tenant}`;
  }

  nonDeliveryMarker(tenant: string, documentId: string): string {
    return `${this.prefix}:callbacks:ndr:${tenant}:${documentId}`;
  }

  get nonDeliveryLock(): string {
    return `${this.prefix}:callbacks:ndr-lock`;
  }
}
