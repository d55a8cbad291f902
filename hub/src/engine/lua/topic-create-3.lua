-- Create a topic (idempotent) and update its keep flag when given.
-- KEYS[1] topic registry  KEYS[2] subscriber set  KEYS[3] empty-since zset
-- ARGV[1] topic  ARGV[2] keep: '1' | '0' | '' (leave as stored)
-- returns { created 0|1, createdAt ms (string), keep '0'|'1', subscribers }
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local created, created_at, keep = 0, nil, nil
if stored then
  created_at, keep = string.match(stored, '^(%d+):([01])$')
  if ARGV[2] ~= '' then keep = ARGV[2] end
else
  created = 1
  created_at = int_str(now_ms())
  keep = ARGV[2] == '1' and '1' or '0'
end
redis.call('HSET', KEYS[1], ARGV[1], created_at .. ':' .. keep)
local subscribers = redis.call('SCARD', KEYS[2])
if created == 1 and subscribers == 0 then redis.call('ZADD', KEYS[3], created_at, ARGV[1]) end
return { created, created_at, keep, subscribers }
