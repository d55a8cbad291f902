-- Store one message for one recipient, noting when (engine clock) for messageTtlMs.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies  KEYS[5] meta  KEYS[6] dead
-- KEYS[7] dead-entries
-- ARGV[1] message id  ARGV[2] message JSON  ARGV[3] queueMax  ARGV[4] queueTtlMs
-- returns 1 | ERR.UNKNOWN_RECIPIENT | ERR.QUEUE_FULL
-- (a retry of a message already held here answers 1 without queueing it twice)
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR.UNKNOWN_RECIPIENT end
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return 1 end
if redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[3]) then
  return ERR.QUEUE_FULL
end
local now = int_str(now_ms())
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[1], now .. ':0')
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'lastWrite', now)
touch(ARGV[4], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return 1
