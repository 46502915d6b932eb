-- rerun: see domain/lifecycle.ts. KEYS: doc, hist, open, events, signed   ARGV[8]: the new run.
-- Back to signed when signed bytes exist (the rerun resends exactly them), else to accepted; decided
-- here, in the same step, so no signing can slip in between the look and the write.
--- @include "includes/guard"
fields[#fields + 1] = 'status'
fields[#fields + 1] = redis.call('EXISTS', KEYS[5]) == 1 and 'signed' or 'accepted'
fields[#fields + 1] = 'run'
fields[#fields + 1] = ARGV[8]
--- @include "includes/write-transition"
--- @include "includes/stay-open"
