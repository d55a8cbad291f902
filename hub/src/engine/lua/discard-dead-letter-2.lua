-- Delete one dead letter.
-- KEYS[1] dead  KEYS[2] dead-entries
-- ARGV[1] message id
-- returns 1 when deleted, 0 when there is no such dead letter
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('LREM', KEYS[1], 1, ARGV[1])
return 1
