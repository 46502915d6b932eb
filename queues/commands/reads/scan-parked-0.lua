-- One SCAN step over the document records, filtered in Redis so only the parked ones come back (for the
-- parked-now gauge). Reads only; each call touches about ARGV[3] keys, so Redis is never held for long.
-- ARGV: cursor, match pattern, count. Returns the next cursor, then "controller\ncode" per parked record.
local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local out = { r[1] }
for _, k in ipairs(r[2]) do
  local ok, v = pcall(redis.call, 'HMGET', k, 'status', 'controller', 'code')
  if ok and v[1] == 'parked' then out[#out + 1] = (v[2] or '') .. '\n' .. (v[3] or '') end
end
return out
