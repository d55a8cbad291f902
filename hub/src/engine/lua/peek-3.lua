-- Read without moving: up to `limit` pending oldest first, and all processing oldest first.
-- KEYS[1] queue  KEYS[2] processing  KEYS[3] bodies
-- ARGV[1] limit
-- returns { { pending body... }, { processing body... } }
local function bodies_oldest_first(list_ids)
  local out = {}
  for i = #list_ids, 1, -1 do
    local body = redis.call('HGET', KEYS[3], list_ids[i])
    if body then out[#out + 1] = body end
  end
  return out
end
local limit = tonumber(ARGV[1])
local pending = {}
if limit > 0 then pending = bodies_oldest_first(redis.call('LRANGE', KEYS[1], -limit, -1)) end
return { pending, bodies_oldest_first(redis.call('LRANGE', KEYS[2], 0, -1)) }
