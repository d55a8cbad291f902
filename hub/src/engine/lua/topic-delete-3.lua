-- Delete a topic and its subscriber set.
-- KEYS[1] topic registry  KEYS[2] subscriber set  KEYS[3] empty-since zset
-- ARGV[1] topic
-- returns { 0 } when it did not exist, else { 1, subscriber id... } (to drop it from their topic sets)
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return { 0 } end
local reply = { 1 }
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do reply[#reply + 1] = id end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return reply
