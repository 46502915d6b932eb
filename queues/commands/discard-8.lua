-- discard: see domain/lifecycle.ts. Removes everything accept (and signing) wrote; the stream keeps a
-- 'discard' event, so a reader who saw the accept also learns that it was undone.
-- KEYS: doc, hist, open, events, payload, signed, sub, docidx
--- @include "includes/guard"
local submissionId = stored[2] or ''
redis.call('DEL', KEYS[1], KEYS[2], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'type', ARGV[4], 'documentId', ARGV[7],
  'submissionId', submissionId, 'status', 'discarded', 'at', ARGV[5])
return {'ok', 'discarded', '0'}
