-- Add a subscriber, creating the topic when needed.
-- KEYS[1] topic registry  KEYS[2] subscriber set  KEYS[3] empty-since zset
-- ARGV[1] topic  ARGV[2] instance id
-- returns 1 when the topic was created, else 0
local created = 0
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], int_str(now_ms()) .. ':0')
  created = 1
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return created
