-- Add a topic to an existing instance's subscriptions.
-- KEYS[1] info  KEYS[2] topics
-- ARGV[1] topic
-- returns 1 when added, 0 when already there | ERR.NOT_FOUND
if redis.call('EXISTS', KEYS[1]) == 0 then return ERR.NOT_FOUND end
return redis.call('SADD', KEYS[2], ARGV[1])
