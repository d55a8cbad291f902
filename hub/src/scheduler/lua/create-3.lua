-- KEYS[1] cfg hash, KEYS[2] run hash, KEYS[3] due zset
-- ARGV[1] id, ARGV[2] config JSON, ARGV[3] run state JSON, ARGV[4] max schedules
-- returns 1, or ERR.EXISTS / ERR.FULL
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id) == 1 then return ERR.EXISTS end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return ERR.FULL end
local run = run_decode(ARGV[3])
settle(run)
redis.call('HSET', KEYS[1], id, ARGV[2])
redis.call('HSET', KEYS[2], id, cjson.encode(run))
place(KEYS[3], id, run)
return 1
