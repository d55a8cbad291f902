-- Move the processing list back to the front of the queue, in order.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies  KEYS[4] meta  KEYS[5] dead  KEYS[6] dead-entries
-- ARGV[1] queueTtlMs
-- returns how many were requeued
local n = requeue(KEYS[1], KEYS[2], KEYS[3])
if n > 0 then touch(ARGV[1], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]) end
return n
