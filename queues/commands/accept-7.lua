-- accept: see domain/lifecycle.ts. Intake's one write: either everything is stored or nothing is.
-- Its guard is "no record with this id yet, in any tenant" (a document id belongs to one tenant).
-- KEYS: doc, hist, open, events, payload, sub, docidx
-- ARGV: tenant, payload bytes, history entry (JSON), stream MAXLEN (~), at, documentId, submissionId,
--       ...record field/value pairs
local owner = redis.call('GET', KEYS[7])
if owner and owner ~= ARGV[1] then return {'foreign'} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SET', KEYS[5], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('SET', KEYS[6], ARGV[1] .. '\n' .. ARGV[6])
redis.call('SET', KEYS[7], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1] .. '\n' .. ARGV[6])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'type', 'accept', 'documentId', ARGV[6],
  'submissionId', ARGV[7], 'status', 'accepted', 'at', ARGV[5])
return {'created'}
