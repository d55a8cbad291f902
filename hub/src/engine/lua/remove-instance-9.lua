-- Delete an offline instance with everything it owns, dead letters included.
-- KEYS[1..9] info, presence, queue, processing, bodies, topics, meta, dead, dead-entries
-- returns ERR.NOT_FOUND | ERR.CONFLICT (online) | { now, topic... } it was subscribed to
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR.NOT_FOUND end
if redis.call('EXISTS', KEYS[2]) == 1 then return ERR.CONFLICT end
local reply = { now_ms() }
for _, topic in ipairs(redis.call('SMEMBERS', KEYS[6])) do reply[#reply + 1] = topic end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
return reply
