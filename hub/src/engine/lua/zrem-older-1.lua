-- Remove members whose score is still older than a cutoff. Index fix-ups after a reaper step
-- use this instead of ZREM so that an instance re-registered meanwhile (which wrote a newer
-- score) is never dropped from the index by a replica acting on what it read before.
-- KEYS[1] sorted set
-- ARGV[1] cutoff (ms, exclusive)  ARGV[2..n] members
-- returns how many were removed
local cutoff = tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) < cutoff then n = n + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return n
