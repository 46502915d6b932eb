// Every Redis key of ours outside BullMQ's own (BullMQ keeps its queues under `{prefix}:{queue}:*`).
// One module, so the store, flow control and recovery cannot disagree on a name:
//   {p}:doc:{tenant}:{docId}     hash   the record and its status (written only by lifecycle transitions)
//   {p}:payload:{tenant}:{docId} string the bytes as accepted (deleted once signed bytes exist)
//   {p}:signed:{tenant}:{docId}  string the signed bytes; every (re)send uses exactly these bytes, so a
//                                       resend after a crash is byte-identical and Kanta's idempotency holds
//   {p}:hist:{tenant}:{docId}    list   state changes, never overwritten
//   {p}:sub:{submissionId}       string tenant + doc id
//   {p}:docidx:{docId}           string owning tenant (one document id belongs to one tenant)
//   {p}:open                     set    "tenant\ndocId" of every document not in a terminal state; the
//                                       sweep walks this set instead of every record
//   {p}:events:{tenant}          stream the tenant's lifecycle events (ids, status, code; never content)
//   {p}:paused:controllers       set    paused controller OIDs (operator pause or parked lane)
//   {p}:paused:controllers:by    hash   controller → who paused it and when
//   {p}:paused:tenants           set    tenants whose intake is paused
//   {p}:parked-lanes             hash   "accessPoint|controller" → why the archive parked the lane
//   {p}:rate:{accessPoint}       string the shared send-rate window's counter (rate-limiter-flexible)
//   {p}:leases:{ap}:{controller} zset   "tenant\ndocId\nrun" → lease expiry (epoch ms) of each document a
//                                       process runs in its direct lane, outside BullMQ (queues/lane-leases.ts)
export class RedisKeys {
  constructor(readonly prefix: string) {}

  doc(tenant: string, documentId: string): string {
    return `${this.prefix}:doc:${tenant}:${documentId}`;
  }

  /** SCAN pattern of the record hashes, of one tenant or all. */
  docPattern(tenant?: string): string {
    return `${this.prefix}:doc:${tenant ?? '*'}:*`;
  }

  payload(tenant: string, documentId: string): string {
    return `${this.prefix}:payload:${tenant}:${documentId}`;
  }

  signed(tenant: string, documentId: string): string {
    return `${this.prefix}:signed:${tenant}:${documentId}`;
  }

  hist(tenant: string, documentId: string): string {
    return `${this.prefix}:hist:${tenant}:${documentId}`;
  }

  sub(submissionId: string): string {
    return `${this.prefix}:sub:${submissionId}`;
  }

  docidx(documentId: string): string {
    return `${this.prefix}:docidx:${documentId}`;
  }

  get open(): string {
    return `${this.prefix}:open`;
  }

  /** Member of the open set for one document. */
  openMember(tenant: string, documentId: string): string {
    return `${tenant}\n${documentId}`;
  }

  events(tenant: string): string {
    return `${this.prefix}:events:${tenant}`;
  }

  get pausedControllers(): string {
    return `${this.prefix}:paused:controllers`;
  }

  get pausedControllersBy(): string {
    return `${this.prefix}:paused:controllers:by`;
  }

  get pausedTenants(): string {
    return `${this.prefix}:paused:tenants`;
  }

  get parkedLanes(): string {
    return `${this.prefix}:parked-lanes`;
  }

  /** The direct lane's leases of one send lane (queues/lane-leases.ts). */
  leases(accessPoint: string, controller: string): string {
    return `${this.prefix}:leases:${accessPoint}:${controller}`;
  }

  /** rate-limiter-flexible's keyPrefix: it names the counter `{this}:{accessPoint}`. */
  get rateLimitPrefix(): string {
    return `${this.prefix}:rate`;
  }
}
