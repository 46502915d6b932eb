-- An open document is in the open set since its accept; only one coming back from a terminal status
-- (a rerun of a parked document) joins it again.
if current == 'archived' or current == 'parked' or current == 'rejected' then redis.call('SADD', KEYS[3], ARGV[2]) end
return {'ok', status, run}
