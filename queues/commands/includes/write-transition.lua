-- Writes the record fields, appends the history entries and the stream event, all in this script
-- (so atomically with whatever the transition's own lines did). Expects guard.lua's locals.
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
-- One RPUSH for all entries (sign-and-send appends two): each call is a command Redis counts.
if nHist > 0 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 11, 10 + nHist)) end
-- The status and run after the write: the last value the fields set, else what was stored.
local status = current
local run = stored[3]
for i = 1, #fields, 2 do
  if fields[i] == 'status' then status = fields[i + 1] elseif fields[i] == 'run' then run = fields[i + 1] end
end
local event = {'type', ARGV[4], 'documentId', ARGV[7], 'submissionId', stored[2] or '', 'status', status, 'at', ARGV[5]}
if ARGV[6] ~= '' then
  event[#event + 1] = 'code'
  event[#event + 1] = ARGV[6]
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', unpack(event))
