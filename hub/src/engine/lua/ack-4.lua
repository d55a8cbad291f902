-- Remove acknowledged messages by id, with their delivery counts.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies  KEYS[4] meta
-- ARGV[1..n] message ids
-- returns how many were removed (unknown ids count nothing)
local n = 0
for i = 1, #ARGV do
  local id = ARGV[i]
  if redis.call('HDEL', KEYS[3], id) == 1 then
    n = n + 1
    redis.call('HDEL', KEYS[4], id)
    -- Acks come oldest first and the oldest sit at the right: scan from the tail. After a
    -- requeue race the id is back near the right end of the queue instead.
    if redis.call('LREM', KEYS[2], -1, id) == 0 then redis.call('LREM', KEYS[1], -1, id) end
  end
end
return n
