-- Fixed-window counter shared by every replica.
-- KEYS[1] counter
-- ARGV[1] limit  ARGV[2] windowMs
-- returns 0 when this hit is allowed, else the ms until the window ends
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return 0 end
return math.max(redis.call('PTTL', KEYS[1]), 1)
