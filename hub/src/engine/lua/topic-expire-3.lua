-- Delete a topic that has had no subscribers for topicEmptyTtlMs, unless it is kept.
-- KEYS[1] topic registry  KEYS[2] subscriber set  KEYS[3] empty-since zset
-- ARGV[1] topic  ARGV[2] topicEmptyTtlMs
-- returns 1 when deleted, else 0
local since = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not since or tonumber(since) + tonumber(ARGV[2]) > now_ms() then return 0 end
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if redis.call('SCARD', KEYS[2]) > 0 or not stored then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
if string.sub(stored, -1) == '1' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
