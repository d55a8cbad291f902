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

-- Refresh the expiry of message-holding keys: an offline queue lives queueTtlMs after its last write.
local function touch(ttl, queue, processing, bodies)
  redis.call('PEXPIRE', queue, ttl)
  redis.call('PEXPIRE', processing, ttl)
  redis.call('PEXPIRE', bodies, ttl)
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

