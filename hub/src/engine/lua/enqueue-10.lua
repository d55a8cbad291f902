-- Store one message for one recipient, noting when (engine clock) for messageTtlMs, counting the
-- sender's per-pair rate, and writing the recipient's receipt for message_status.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies  KEYS[5] meta  KEYS[6] dead
-- KEYS[7] dead-entries  KEYS[8] pair counter (this recipient, this sender)  KEYS[9] receipts
-- KEYS[10] receipts-old
-- ARGV[1] message id  ARGV[2] message JSON  ARGV[3] queueMax  ARGV[4] queueTtlMs
-- ARGV[5] pair limit per window (0: no limit)  ARGV[6] pair window ms  ARGV[7] hops
-- ARGV[8] statusTtlMs
-- returns 1 | ERR.UNKNOWN_RECIPIENT | ERR.QUEUE_FULL | { ERR.RATE_LIMITED, ms until the window ends }
-- (a retry of a message already held here answers 1 without queueing or counting it twice)
local info, queue, processing, bodies, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local receipts, receipts_old = KEYS[9], KEYS[10]
if redis.call('EXISTS', info) == 0 then return ERR.UNKNOWN_RECIPIENT end
if redis.call('HEXISTS', bodies, ARGV[1]) == 1 then return 1 end
local limit = tonumber(ARGV[5])
if limit > 0 then
  local n = redis.call('INCR', KEYS[8])
  if n == 1 or redis.call('PTTL', KEYS[8]) < 0 then redis.call('PEXPIRE', KEYS[8], ARGV[6]) end
  if n > limit then return { ERR.RATE_LIMITED, math.max(redis.call('PTTL', KEYS[8]), 1) } end
end
if redis.call('LLEN', queue) + redis.call('LLEN', processing) >= tonumber(ARGV[3]) then
  return ERR.QUEUE_FULL
end
local now_n = now_ms()
local now = int_str(now_n)
redis.call('HSET', bodies, ARGV[1], ARGV[2])
redis.call('HSET', meta, ARGV[1], now .. ':0')
redis.call('LPUSH', queue, ARGV[1])
local status_ttl = tonumber(ARGV[8])
local since = tonumber(redis.call('HGET', info, 'receiptsSince'))
if since == nil or now_n - since >= status_ttl then
  -- UNLINK frees the old generation off the main thread; RENAME then moves a plain key.
  redis.call('UNLINK', receipts_old)
  if redis.call('EXISTS', receipts) == 1 then redis.call('RENAME', receipts, receipts_old) end
  redis.call('HSET', info, 'lastWrite', now, 'receiptsSince', now)
else
  redis.call('HSET', info, 'lastWrite', now)
end
receipt_store(receipts, ARGV[1], { enq = now, hops = ARGV[7], acked = '', replied = '', reply_id = '' },
  2 * status_ttl)
touch(ARGV[4], queue, processing, bodies, meta, KEYS[6], KEYS[7])
return 1
