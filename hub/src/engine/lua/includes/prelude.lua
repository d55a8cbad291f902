-- Prepended to every script after the generated `local ERR = {...}` table (redis-errors.ts).

-- Engine clock: Redis TIME in epoch milliseconds, so no replica clock matters.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integer to string without Lua's exponent notation.
local function int_str(n)
  return string.format('%.0f', n)
end

-- Refresh the expiry of message-holding keys (queue, processing, bodies, meta, dead,
-- dead-entries): an offline queue lives queueTtlMs after its last write.
local function touch(ttl, ...)
  for _, key in ipairs({ ... }) do redis.call('PEXPIRE', key, ttl) end
end

-- Drop the oldest dead letters beyond the cap.
local function trim_dead(dead, entries, cap)
  local excess = redis.call('LLEN', dead) - cap
  if excess > 0 then
    for _, id in ipairs(redis.call('LPOP', dead, excess)) do redis.call('HDEL', entries, id) end
  end
end

-- Append a dead letter (an older one of the same id is replaced) and keep the list bounded.
-- entry = '<reason>|<deliveries>|<deadAtMs>|<message JSON>'
local function bury(dead, entries, id, entry, cap)
  if redis.call('HSET', entries, id, entry) == 0 then redis.call('LREM', dead, 1, id) end
  redis.call('RPUSH', dead, id)
  trim_dead(dead, entries, cap)
end

-- Move the processing list back onto the right (oldest) end of the queue, newest first, so the
-- oldest unacknowledged id ends up next in line. Ids whose body is gone were acknowledged in a
-- race and are dropped. Returns how many were requeued.
local function requeue(queue, processing, bodies)
  local n = 0
  while true do
    local id = redis.call('LMOVE', processing, queue, 'LEFT', 'RIGHT')
    if not id then break end
    if redis.call('HEXISTS', bodies, id) == 1 then
      n = n + 1
    else
      redis.call('RPOP', queue)
    end
  end
  return n
end


-- Receipts: what a recipient's side remembers of a message for message_status after the body
-- is gone. Two hashes rotate every statusTtlMs (the enqueue rotates them), so an entry lives
-- between one and two statusTtlMs without a per-field expiry or a sweep.
-- entry = '<enqueuedAtMs>|<hops>|<ackedAtMs>|<repliedAtMs>|<replyId>' (empty when not yet)
local function receipt_find(receipts, old, id)
  local r = redis.call('HGET', receipts, id)
  if not r then r = redis.call('HGET', old, id) end
  if not r then return nil end
  local enq, hops, acked, replied, reply_id = string.match(r, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return { enq = enq, hops = hops, acked = acked, replied = replied, reply_id = reply_id }
end

local function receipt_store(receipts, id, r, ttl)
  redis.call('HSET', receipts, id, r.enq .. '|' .. r.hops .. '|' .. r.acked .. '|' .. r.replied .. '|' .. r.reply_id)
  redis.call('PEXPIRE', receipts, ttl)
end
