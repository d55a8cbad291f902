-- Move the processing list back to the front of the queue, in order.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies
-- ARGV[1] queueTtlMs
-- returns how many were requeued
local n = requeue(KEYS[1], KEYS[2], KEYS[3])
if n > 0 then touch(ARGV[1], KEYS[1], KEYS[2], KEYS[3]) end
return n
