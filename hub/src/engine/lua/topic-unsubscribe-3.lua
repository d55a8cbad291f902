-- Remove a subscriber; the last one leaving starts the topic's empty clock.
-- KEYS[1] topic registry  KEYS[2] subscriber set  KEYS[3] empty-since zset
-- ARGV[1] topic  ARGV[2] instance id
-- returns 1 when removed, 0 when it was not subscribed
local removed = redis.call('SREM', KEYS[2], ARGV[2])
if removed == 1 and redis.call('SCARD', KEYS[2]) == 0 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[3], now_ms(), ARGV[1])
end
return removed
