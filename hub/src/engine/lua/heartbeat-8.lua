-- Refresh presence when this connection still holds the instance.
-- KEYS[1] info  KEYS[2] presence  KEYS[3..8] queue, processing, bodies, meta, dead, dead-entries
-- ARGV[1] connId  ARGV[2] presenceTtlMs  ARGV[3] queueTtlMs
-- returns now (ms) when refreshed, 0 when another connection (or nobody) holds it
if redis.call('HGET', KEYS[1], 'connId') ~= ARGV[1] then return 0 end
local now = now_ms()
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'lastSeen', int_str(now))
touch(ARGV[3], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return now
