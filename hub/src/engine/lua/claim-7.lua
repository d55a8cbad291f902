-- Hand the oldest pending messages to the holder, moving their ids to the processing list and
-- counting one delivery of each; poison and expired messages go to the dead letters instead.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies  KEYS[5] meta  KEYS[6] dead
-- KEYS[7] dead-entries
-- ARGV[1] connId (fencing token)  ARGV[2] max  ARGV[3] inflightWindow  ARGV[4] queueTtlMs
-- ARGV[5] maxDeliveries  ARGV[6] messageTtlMs  ARGV[7] dead-letter cap
-- returns ERR.NOT_HOLDER | { pending left, room left in the window, body JSON... } oldest first
-- Meta is '<enqueuedAtMs>:<deliveries>[:<lastClaimedAtMs>]'. No TTL refresh here: the enqueue,
-- the heartbeat and the disconnect refresh every message key already.
local info, queue, processing, bodies, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if redis.call('HGET', info, 'connId') ~= ARGV[1] then return ERR.NOT_HOLDER end
local window = tonumber(ARGV[3])
local n = math.min(tonumber(ARGV[2]), window - redis.call('LLEN', processing))
local max_deliveries, message_ttl, cap = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now = now_ms()
local now_s = int_str(now)
local out, died = { 0, 0 }, 0
while #out - 2 < n do
  local id = redis.call('LMOVE', queue, processing, 'RIGHT', 'LEFT')
  if not id then break end
  local body = redis.call('HGET', bodies, id)
  if not body then
    -- acknowledged after a requeue: drop the id for good
    redis.call('LPOP', processing)
  else
    -- A message without meta (queued by an older hub) starts its clock and count now.
    local at, count = string.match(redis.call('HGET', meta, id) or '', '^(%d+):(%d+)')
    at, count = tonumber(at) or now, tonumber(count) or 0
    local reason = false
    if now - at > message_ttl then
      reason = 'expired'
    elseif count >= max_deliveries then
      reason = 'max_deliveries'
    end
    if reason then
      redis.call('LPOP', processing)
      redis.call('HDEL', bodies, id)
      redis.call('HDEL', meta, id)
      bury(KEYS[6], KEYS[7], id, reason .. '|' .. int_str(count) .. '|' .. now_s .. '|' .. body, cap)
      died = died + 1
    else
      redis.call('HSET', meta, id, int_str(at) .. ':' .. int_str(count + 1) .. ':' .. now_s)
      out[#out + 1] = body
    end
  end
end
-- bury may have created the dead-letter keys: give them the queue's TTL.
if died > 0 then touch(ARGV[4], queue, processing, bodies, meta, KEYS[6], KEYS[7]) end
out[1] = redis.call('LLEN', queue)
out[2] = math.max(0, window - redis.call('LLEN', processing))
return out
