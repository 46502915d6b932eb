-- archive: see domain/lifecycle.ts. KEYS: doc, hist, open, events, signed, payload, docidx, sub
-- ARGV[8] payload TTL, ARGV[9] record TTL (seconds). In one script with the status, so a crash cannot
-- leave an archived record whose bytes never expire.
--- @include "includes/guard"
--- @include "includes/write-transition"
-- Only one of the two exists: signing stores the signed bytes and deletes the unsigned ones in one
-- script, and a document sent with its own signature never gets signed bytes. EXPIRE answers 0 for a
-- missing key, so the payload is touched only when there are no signed bytes.
if redis.call('EXPIRE', KEYS[5], ARGV[8]) == 0 then redis.call('EXPIRE', KEYS[6], ARGV[8]) end
redis.call('EXPIRE', KEYS[1], ARGV[9])
redis.call('EXPIRE', KEYS[2], ARGV[9])
redis.call('EXPIRE', KEYS[7], ARGV[9])
redis.call('EXPIRE', KEYS[8], ARGV[9])
--- @include "includes/close"
