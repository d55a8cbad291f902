-- Read up to `limit` dead letters, oldest first, without moving any.
-- KEYS[1] dead  KEYS[2] dead-entries
-- ARGV[1] limit
-- returns { '<reason>|<deliveries>|<deadAtMs>|<message JSON>'... }
local limit = tonumber(ARGV[1])
local out = {}
if limit <= 0 then return out end
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, limit - 1)) do
  local entry = redis.call('HGET', KEYS[2], id)
  if entry then out[#out + 1] = entry end
end
return out
