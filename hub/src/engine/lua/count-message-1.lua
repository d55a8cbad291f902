-- Count an accepted message in today's (UTC, Redis clock) per-type counters.
-- KEYS[1] daily counters hash: 'day' = current UTC day number, '<day>:<type>' = count
-- ARGV[1] message type  ARGV[2] days of history to keep
-- returns the new count
local day = math.floor(now_ms() / 86400000)
local today = int_str(day)
if redis.call('HGET', KEYS[1], 'day') ~= today then
  -- First count of a new day: drop days older than the history kept.
  redis.call('HSET', KEYS[1], 'day', today)
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local d = tonumber(string.match(field, '^(%d+):'))
    if d and d < day - tonumber(ARGV[2]) then redis.call('HDEL', KEYS[1], field) end
  end
end
return redis.call('HINCRBY', KEYS[1], today .. ':' .. ARGV[1], 1)
