-- Store one message for one recipient, noting when (engine clock) for messageTtlMs, counting the
-- sender's per-pair rate, and writing the recipient's receipt for message_status.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies  KEYS[5] meta  KEYS[6] dead
-- KEYS[7] dead-entries  KEYS[8] pair counter (this recipient, this sender)  KEYS[9] receipts
-- KEYS[10] receipts-old
-- ARGV[1] message id  ARGV[2] message JSON  ARGV[3] queueMax  ARGV[4] queueTtlMs
-- ARGV[5] pair limit per window (0: no limit)  ARGV[6] pair window ms  ARGV[7] hops
-- ARGV[8] statusTtlMs  ARGV[9] connId of a local connection offering to take it now ('' none)
-- ARGV[10] inflightWindow  ARGV[11] the caller's replica ('' : the caller wakes every holder)
-- ARGV[12] wake channel prefix (the holder's replica name is appended)  ARGV[13] instance id
-- returns 1 (queued: the caller wakes the holder, which is on its replica or unknown) |
-- 2 (handed over: straight to processing, one delivery counted) |
-- 3 (queued, nothing for the caller to wake: the holder's replica was told on its wake channel,
--    or a claim is due anyway because messages were already pending, or nobody holds it) |
-- ERR.UNKNOWN_RECIPIENT | ERR.QUEUE_FULL | { ERR.RATE_LIMITED, ms until the window ends }
-- (a retry of a message already held here answers 1 without queueing or counting it twice)
-- The hand-over is a claim folded into the enqueue, so it keeps a claim's rules: only the
-- holder, only when nothing is pending (FIFO), only with room in the in-flight window.
-- Pending messages mean an earlier enqueue woke the holder or its pump is waiting for acks:
-- either way its next claim finds this one, so only the first message into an empty queue
-- publishes a wake-up, to the one replica that holds the recipient.
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
local pending, inflight = redis.call('LLEN', queue), redis.call('LLEN', processing)
if pending + inflight >= tonumber(ARGV[3]) then
  return ERR.QUEUE_FULL
end
local now_n = now_ms()
local now = int_str(now_n)
local holder = redis.call('HMGET', info, 'connId', 'replica')
local handed = ARGV[9] ~= '' and pending == 0 and inflight < tonumber(ARGV[10]) and holder[1] == ARGV[9]
redis.call('HSET', bodies, ARGV[1], ARGV[2])
if handed then
  redis.call('HSET', meta, ARGV[1], now .. ':1:' .. now)
  redis.call('LPUSH', processing, ARGV[1])
else
  redis.call('HSET', meta, ARGV[1], now .. ':0')
  redis.call('LPUSH', queue, ARGV[1])
end
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
if handed then return 2 end
if ARGV[11] == '' or holder[2] == ARGV[11] then return 1 end
if holder[1] and pending == 0 and holder[2] then
  redis.call('PUBLISH', ARGV[12] .. holder[2], ARGV[13])
end
return 3
