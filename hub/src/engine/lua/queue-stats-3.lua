-- Counts and the oldest message at each list's head.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies
-- returns { pending, processing, oldest pending body | nil, oldest processing body | nil }
local function oldest(list)
  local id = redis.call('LINDEX', list, -1)
  if not id then return false end
  return redis.call('HGET', KEYS[3], id)
end
return { redis.call('LLEN', KEYS[1]), redis.call('LLEN', KEYS[2]), oldest(KEYS[1]), oldest(KEYS[2]) }
