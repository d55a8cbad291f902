-- KEYS[1] cfg hash, KEYS[2] run hash, KEYS[3] due zset, KEYS[4] lease hash
-- ARGV[1] id, ARGV[2] expected run version, ARGV[3] config JSON, ARGV[4] state,
-- ARGV[5] next fire ms or '', ARGV[6] max fire count or ''
-- returns the new run state JSON, or ERR.NOT_FOUND / ERR.STALE
local id = ARGV[1]
local run = run_decode(redis.call('HGET', KEYS[2], id))
if not run then return ERR.NOT_FOUND end
if run.v ~= tonumber(ARGV[2]) then return ERR.STALE end
run.v = run.v + 1
run.st = ARGV[4]
run.next = tonumber(ARGV[5])
run.max = tonumber(ARGV[6])
settle(run)
local encoded = cjson.encode(run)
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('HSET', KEYS[2], id, encoded)
-- While claimed, the due score is the lease end; the holder's completion places the new plan.
if redis.call('HEXISTS', KEYS[4], id) == 0 then place(KEYS[3], id, run) end
return encoded
