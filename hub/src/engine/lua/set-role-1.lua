-- Set or clear the role of an existing instance.
-- KEYS[1] info
-- ARGV[1] role ('' clears it)
-- returns 1 | ERR.NOT_FOUND
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR.NOT_FOUND end
if ARGV[1] == '' then
  redis.call('HDEL', KEYS[1], 'role')
else
  redis.call('HSET', KEYS[1], 'role', ARGV[1])
end
return 1
