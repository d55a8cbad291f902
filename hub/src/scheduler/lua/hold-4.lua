-- KEYS[1] cfg hash, KEYS[2] run hash, KEYS[3] due zset, KEYS[4] lease hash
-- ARGV[1] id, ARGV[2] token, ARGV[3] lease ms, ARGV[4] replica
-- returns { config JSON, run JSON } | ERR.NOT_FOUND | ERR.ENDED | ERR.BUSY (a claim or hold is out)
-- Hold one schedule for a fire outside the plan (fire now), as a claim holds a planned one, so
-- that the two never run at once: together they could pass maxFireCount. The hold is a lease
-- marked `manual`; complete-4 releases it (fire counted, plan kept), and a claim that finds it
-- lapsed (the firing replica died) puts the plan back instead of firing.
local id = ARGV[1]
local raw = redis.call('HGET', KEYS[2], id)
local run = run_decode(raw)
if not run then return ERR.NOT_FOUND end
if run.st == 'completed' or run.st == 'expired' then return ERR.ENDED end
-- Even a lapsed lease: its planned fire is retried by the next claim, which needs what it holds.
if redis.call('HEXISTS', KEYS[4], id) == 1 then return ERR.BUSY end
local till = now_ms() + tonumber(ARGV[3])
redis.call('HSET', KEYS[4], id, cjson.encode({ tok = ARGV[2], manual = true, v = run.v, rep = ARGV[4], till = till, att = 0 }))
redis.call('ZADD', KEYS[3], till, id)
return { redis.call('HGET', KEYS[1], id), raw }
