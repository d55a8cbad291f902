-- Advance one recipient's state of a message; states only move forward.
-- KEYS[1] status hash
-- ARGV[1] recipient id  ARGV[2] new rank (1 delivered, 2 acknowledged, 3 replied)  ARGV[3] reply id or ''
-- returns 1 when advanced, 0 when unknown or not forward
local field = 'r:' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], field)
if not current then return 0 end
local rank = tonumber(string.match(current, '^(%d+)|'))
if tonumber(ARGV[2]) <= rank then return 0 end
local reply_id = ''
if ARGV[2] == '3' then reply_id = ARGV[3] end
redis.call('HSET', KEYS[1], field, ARGV[2] .. '|' .. int_str(now_ms()) .. '|' .. reply_id)
return 1
