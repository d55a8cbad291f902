-- Everything an InstanceInfo needs from one instance, in one call.
-- KEYS[1] info  KEYS[2] presence  KEYS[3] queue  KEYS[4] processing
-- returns { info fields flat (HGETALL), presence 0|1, queue length, processing length }
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('EXISTS', KEYS[2]),
  redis.call('LLEN', KEYS[3]),
  redis.call('LLEN', KEYS[4]),
}
