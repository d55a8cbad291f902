-- KEYS[1] run hash, KEYS[2] due zset, KEYS[3] lease hash, KEYS[4] fires list of the id
-- ARGV[1] id, ARGV[2] token, ARGV[3] fire JSON or '', ARGV[4] '1' when it counts as a fire,
-- ARGV[5] planned state, ARGV[6] next fire ms or '', ARGV[7] history max
-- returns 1 when applied, 0 for a stale token or a deleted schedule (nothing changed)
local id = ARGV[1]
local held = run_decode(redis.call('HGET', KEYS[3], id))
if not held or held.tok ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[3], id)
local run = run_decode(redis.call('HGET', KEYS[1], id))
if not run then
  redis.call('ZREM', KEYS[2], id)
  return 0
end
if ARGV[3] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[3])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[7]) - 1)
end
if ARGV[4] == '1' then
  run.n = run.n + 1
  run.last = now_ms()
end
-- Changed since the claim (update, pause, fire now): that write's plan stands.
if run.v == held.v then
  run.st = ARGV[5]
  run.next = tonumber(ARGV[6])
end
settle(run)
run.v = run.v + 1
redis.call('HSET', KEYS[1], id, cjson.encode(run))
place(KEYS[2], id, run)
return 1
