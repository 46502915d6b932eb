-- sign: see domain/lifecycle.ts. KEYS: doc, hist, open, events, signed, payload   ARGV[8]: signed bytes.
-- Redis keeps one copy of each document: the unsigned bytes go when the signed ones are stored.
--- @include "includes/guard"
redis.call('SET', KEYS[5], ARGV[8])
redis.call('DEL', KEYS[6])
--- @include "includes/write-transition"
--- @include "includes/stay-open"
