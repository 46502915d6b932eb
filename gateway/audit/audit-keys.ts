// Redis keys of one organisation's usage log, shared by the appender (audit-log.ts), the sealer and the
// exporter so the three cannot disagree about where a chain lives.
export const auditKeys = (prefix: string, organisation: string) => {
  const stream = `${prefix}:audit:${organisation}`;
  return {
    /** Stream of canonical records, id `<at ms>-<seq>`. */
    stream,
    /**
     * Hash seq, digest, at: the chain head appends continue from (never trimmed); while a process that
     * lost an append holds the next turn, also claim and claimUntil (ms, Redis's clock).
     */
    head: `${stream}:head`,
    /** Hash seq, digest, atMs, manifestDigest: what the sealer last moved to disk and trimmed. */
    sealed: `${stream}:sealed`,
  };
};

/** Pattern matching every chain head, to find the organisations that have a log. */
export const auditHeadPattern = (prefix: string): string => `${prefix}:audit:*:head`;

/** One sealer at a time across all gateway processes. */
export const auditSealerLockKey = (prefix: string): string => `${prefix}:audit-sealer:lock`;
