redis.call('SREM', KEYS[3], ARGV[2])
return {'ok', status, redis.call('HGET', KEYS[1], 'run')}
