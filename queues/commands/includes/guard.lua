-- The lifecycle guard (domain/lifecycle.ts), checked where the write happens so that a transition from
-- a forbidden status writes nothing. Shared layout of every transition but accept and discard:
--   KEYS[1] doc hash, KEYS[2] history list, KEYS[3] open set, KEYS[4] the tenant's event stream
--   ARGV[1] allowed from-statuses (space-separated)  ARGV[2] open-set member  ARGV[3] stream MAXLEN (~)
--   ARGV[4] transition kind  ARGV[5] at  ARGV[6] code ('' for none)  ARGV[7] documentId
--   ARGV[8], ARGV[9] per-transition extras  ARGV[10] n  ARGV[11 .. 10+n] history entries (JSON)
--   ARGV[11+n ..] record field/value pairs
-- One read of what the transition needs from the record (status for the guard, submissionId for the
-- event, run for the reply): each redis.call is a command Redis counts (docs/performance.md).
local stored = redis.call('HMGET', KEYS[1], 'status', 'submissionId', 'run')
local current = stored[1] or nil
local allowed = false
if current then
  for s in string.gmatch(ARGV[1], '%S+') do
    if s == current then allowed = true end
  end
end
if not allowed then return {'refused', current or ''} end
local nHist = tonumber(ARGV[10])
local fields = {}
for i = 11 + nHist, #ARGV do fields[#fields + 1] = ARGV[i] end
