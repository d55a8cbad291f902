-- KEYS[1] run hash, KEYS[2] due zset, KEYS[3] lease hash, KEYS[4] fires list of the id
-- ARGV[1] id, ARGV[2] fire JSON, ARGV[3] history max
-- returns the new run state JSON, or ERR.NOT_FOUND
local id = ARGV[1]
local run = run_decode(redis.call('HGET', KEYS[1], id))
if not run then return ERR.NOT_FOUND end
redis.call('LPUSH', KEYS[4], ARGV[2])
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[3]) - 1)
run.n = run.n + 1
run.last = now_ms()
if run.max and run.n >= run.max and run.st ~= 'expired' then run.st = 'completed' end
settle(run)
run.v = run.v + 1
local encoded = cjson.encode(run)
redis.call('HSET', KEYS[1], id, encoded)
if redis.call('HEXISTS', KEYS[3], id) == 0 then place(KEYS[2], id, run) end
return encoded
