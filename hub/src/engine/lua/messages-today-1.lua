-- Today's (UTC, Redis clock) per-type counters.
-- KEYS[1] daily counters hash (see count-message-1.lua)
-- returns { type, count, type, count, ... }
local prefix = int_str(math.floor(now_ms() / 86400000)) .. ':'
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #prefix) == prefix then
    out[#out + 1] = string.sub(all[i], #prefix + 1)
    out[#out + 1] = all[i + 1]
  end
end
return out
