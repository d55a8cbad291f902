-- Put a dead letter back at the end of the pending queue with a fresh count and enqueue time.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies  KEYS[5] meta  KEYS[6] dead
-- KEYS[7] dead-entries
-- ARGV[1] message id  ARGV[2] queueTtlMs
-- returns 1 when replayed, 0 when there is no such dead letter
local id = ARGV[1]
local entry = redis.call('HGET', KEYS[7], id)
if not entry then return 0 end
redis.call('HDEL', KEYS[7], id)
redis.call('LREM', KEYS[6], 1, id)
local now = int_str(now_ms())
-- A retried enqueue may have queued the same id again meanwhile: never hold it twice.
if redis.call('HEXISTS', KEYS[4], id) == 0 then
  redis.call('HSET', KEYS[4], id, string.match(entry, '^[^|]*|[^|]*|[^|]*|(.*)$'))
  redis.call('HSET', KEYS[5], id, now .. ':0')
  redis.call('LPUSH', KEYS[2], id)
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastWrite', now) end
touch(ARGV[2], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return 1
