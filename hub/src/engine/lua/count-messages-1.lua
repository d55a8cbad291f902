-- Add a replica's summed counts of accepted messages to today's (UTC, Redis clock) counters.
-- KEYS[1] daily counters hash: 'day' = current UTC day number, '<day>:<type>' = count
-- ARGV[1] days of history to keep  ARGV[2..n] type, count, type, count, ...
-- returns 1
local day = math.floor(now_ms() / 86400000)
local today = int_str(day)
if redis.call('HGET', KEYS[1], 'day') ~= today then
  -- First count of a new day: drop days older than the history kept.
  redis.call('HSET', KEYS[1], 'day', today)
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local d = tonumber(string.match(field, '^(%d+):'))
    if d and d < day - tonumber(ARGV[1]) then redis.call('HDEL', KEYS[1], field) end
  end
end
for i = 2, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[1], today .. ':' .. ARGV[i], ARGV[i + 1]) end
return 1
