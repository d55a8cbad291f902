-- Hand the oldest pending messages to the holder, moving their ids to the processing list.
-- KEYS[1] info  KEYS[2] queue  KEYS[3] processing  KEYS[4] bodies
-- ARGV[1] connId (fencing token)  ARGV[2] max  ARGV[3] inflightWindow  ARGV[4] queueTtlMs
-- returns ERR.NOT_HOLDER | { body JSON... } oldest first
if redis.call('HGET', KEYS[1], 'connId') ~= ARGV[1] then return ERR.NOT_HOLDER end
local n = math.min(tonumber(ARGV[2]), tonumber(ARGV[3]) - redis.call('LLEN', KEYS[3]))
local out = {}
while #out < n do
  local id = redis.call('LMOVE', KEYS[2], KEYS[3], 'RIGHT', 'LEFT')
  if not id then break end
  local body = redis.call('HGET', KEYS[4], id)
  if body then
    out[#out + 1] = body
  else
    -- acknowledged after a requeue: drop the id for good
    redis.call('LPOP', KEYS[3])
  end
end
if #out > 0 then touch(ARGV[4], KEYS[2], KEYS[3], KEYS[4]) end
return out
