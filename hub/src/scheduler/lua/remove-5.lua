-- KEYS[1] cfg hash, KEYS[2] run hash, KEYS[3] due zset, KEYS[4] lease hash, KEYS[5] fires list of the id
-- ARGV[1] id
-- returns 1 when it existed, 0 otherwise (a holder's later completion is then a no-op)
local id = ARGV[1]
local existed = redis.call('HDEL', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
redis.call('HDEL', KEYS[4], id)
redis.call('DEL', KEYS[5])
return existed
