-- The holder's connection closed: mark offline and requeue what it was handed.
-- KEYS[1] info  KEYS[2] presence  KEYS[3..8] queue, processing, bodies, meta, dead, dead-entries
-- ARGV[1] connId  ARGV[2] queueTtlMs
-- returns { 0 } when connId is not the holder (nothing changed), else { 1, requeued, now }
if redis.call('HGET', KEYS[1], 'connId') ~= ARGV[1] then return { 0 } end
local now = now_ms()
redis.call('HDEL', KEYS[1], 'connId')
redis.call('HSET', KEYS[1], 'lastSeen', int_str(now))
redis.call('DEL', KEYS[2])
local requeued = requeue(KEYS[3], KEYS[4], KEYS[5])
touch(ARGV[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return { 1, requeued, now }
