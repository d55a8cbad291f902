-- KEYS[1] cfg hash, KEYS[2] run hash, KEYS[3] due zset, KEYS[4] lease hash
-- ARGV[1] batch limit, ARGV[2] lease ms, ARGV[3] token base (unique per call), ARGV[4] replica
-- returns { now, then per claim: id, token, plannedMs, firstClaimMs, attempt, config JSON, run JSON }
local now = now_ms()
local lease_ms = tonumber(ARGV[2])
local out = { now }
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for i, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[2], id)
  local run = run_decode(raw)
  local held = run_decode(redis.call('HGET', KEYS[4], id))
  -- A lapsed lease keeps its planned time: the retry is the same fire with the same message id.
  local planned = (held and held.planned) or (run and run.next)
  if held and held.manual then
    -- A fire-now hold whose replica died: no planned fire was in it. The plan takes the entry
    -- back (claimed at the next call if already due).
    redis.call('HDEL', KEYS[4], id)
    if run then place(KEYS[3], id, run) else redis.call('ZREM', KEYS[3], id) end
  elseif not run or run.st ~= 'active' or not planned then
    -- Paused or completed while a holder died, or deleted: nothing is due any more.
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  else
    local lease = {
      tok = ARGV[3] .. ':' .. i,
      planned = planned,
      first = (held and held.first) or now,
      v = run.v,
      rep = ARGV[4],
      till = now + lease_ms,
      att = ((held and held.att) or 0) + 1,
    }
    redis.call('HSET', KEYS[4], id, cjson.encode(lease))
    redis.call('ZADD', KEYS[3], lease.till, id)
    out[#out + 1] = id
    out[#out + 1] = lease.tok
    out[#out + 1] = lease.planned
    out[#out + 1] = lease.first
    out[#out + 1] = lease.att
    out[#out + 1] = redis.call('HGET', KEYS[1], id)
    out[#out + 1] = raw
  end
end
return out
