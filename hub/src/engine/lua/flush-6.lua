-- Delete pending and processing messages, their delivery counts, and every dead letter.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies  KEYS[4] meta  KEYS[5] dead  KEYS[6] dead-entries
-- returns how many pending and processing messages were removed
local n = redis.call('HLEN', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return n
