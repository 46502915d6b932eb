redis.call('SREM', KEYS[3], ARGV[2])
return {'ok', status, run}
