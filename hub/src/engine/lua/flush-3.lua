-- Delete pending and processing messages.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies
-- returns how many messages were removed
local n = redis.call('HLEN', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return n
