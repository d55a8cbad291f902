-- Remove acknowledged messages by id, with their delivery counts, and note the ack in the
-- recipient's receipt (message_status reads "acknowledged" from there).
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies  KEYS[4] meta  KEYS[5] receipts
-- KEYS[6] receipts-old
-- ARGV[1] receipts TTL ms (2 × statusTtlMs)  ARGV[2..n] message ids
-- returns how many were removed (unknown ids count nothing)
local n = 0
local now
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('HDEL', KEYS[3], id) == 1 then
    n = n + 1
    redis.call('HDEL', KEYS[4], id)
    -- Acks come oldest first and the oldest sit at the right: scan from the tail. After a
    -- requeue race the id is back near the right end of the queue instead.
    if redis.call('LREM', KEYS[2], -1, id) == 0 then redis.call('LREM', KEYS[1], -1, id) end
    local r = receipt_find(KEYS[5], KEYS[6], id)
    if r and r.acked == '' then
      now = now or int_str(now_ms())
      r.acked = now
      receipt_store(KEYS[5], id, r, ARGV[1])
    end
  end
end
return n
