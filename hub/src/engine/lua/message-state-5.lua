-- One recipient's state of a message, read from where the message is: its receipt (acked,
-- replied), the queue's meta (queued or handed out), or the dead letters.
-- KEYS[1] bodies  KEYS[2] meta  KEYS[3] dead-entries  KEYS[4] receipts  KEYS[5] receipts-old
-- ARGV[1] message id
-- returns { rank (0 queued, 1 delivered, 2 acknowledged, 3 replied), atMs, replyId } or false
-- when this recipient has no trace of it
local id = ARGV[1]
local r = receipt_find(KEYS[4], KEYS[5], id)
if r and r.replied ~= '' then return { 3, r.replied, r.reply_id } end
if r and r.acked ~= '' then return { 2, r.acked, '' } end
if redis.call('HEXISTS', KEYS[1], id) == 1 then
  local at, count, last = string.match(redis.call('HGET', KEYS[2], id) or '', '^(%d+):(%d+):?(%d*)$')
  if count and tonumber(count) > 0 then return { 1, last ~= '' and last or at, '' } end
  return { 0, at or (r and r.enq) or '0', '' }
end
local dead = redis.call('HGET', KEYS[3], id)
if dead then
  local deliveries, dead_at = string.match(dead, '^[^|]*|(%d+)|(%d+)|')
  if tonumber(deliveries or '0') > 0 then return { 1, dead_at, '' } end
  return { 0, dead_at, '' }
end
-- Flushed, expired with its queue, or removed: its last known state is unknown beyond queued.
if r then return { 0, r.enq, '' } end
return false
