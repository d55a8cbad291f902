-- Write a batch of sent-message records (who a message went to) for message_status, in one of
-- two rotating hashes so that records live one to two statusTtlMs with no per-key expiry.
-- KEYS[1] index  KEYS[2] index-old  KEYS[3] index-since (ms the current index was started)
-- ARGV[1] statusTtlMs  ARGV[2..n] message id, record JSON, message id, record JSON, ...
-- Stored values are '<writtenAtMs>|<record JSON>'.
-- returns how many records were written
local now = now_ms()
local ttl = tonumber(ARGV[1])
local since = tonumber(redis.call('GET', KEYS[3]))
if since == nil or now - since >= ttl then
  redis.call('UNLINK', KEYS[2])
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[2]) end
  redis.call('SET', KEYS[3], int_str(now), 'PX', 2 * ttl)
end
local stamp = int_str(now) .. '|'
local n = 0
for i = 2, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], stamp .. ARGV[i + 1])
  n = n + 1
end
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
return n
