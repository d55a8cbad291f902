-- One reaper step for one instance; safe when several replicas run it at once.
-- KEYS[1..9] info, presence, queue, processing, bodies, topics, meta, dead, dead-entries
-- ARGV[1] queueTtlMs
-- returns { 3 }                          the instance no longer exists (stale index entry)
--         { 0, lastSeen, lastActivity }  online: nothing to do
--         { 4, lastSeen, lastActivity }  offline, nobody holds it, seen or written recently
--         { 1, requeued, lastSeen }      its holder died (presence expired): now offline
--         { 2, topic... }                offline longer than queueTtlMs: removed
local info, presence, queue, processing, bodies, topics = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local meta, dead, dead_entries = KEYS[7], KEYS[8], KEYS[9]
if redis.call('EXISTS', info) == 0 then return { 3 } end
local ttl = tonumber(ARGV[1])
local last_seen = tonumber(redis.call('HGET', info, 'lastSeen')) or 0
local last = math.max(last_seen, tonumber(redis.call('HGET', info, 'lastWrite')) or 0)
if redis.call('EXISTS', presence) == 1 then return { 0, last_seen, last } end
if redis.call('HEXISTS', info, 'connId') == 1 then
  redis.call('HDEL', info, 'connId')
  local requeued = requeue(queue, processing, bodies)
  touch(ttl, queue, processing, bodies, meta, dead, dead_entries)
  return { 1, requeued, last_seen }
end
if last + ttl > now_ms() then return { 4, last_seen, last } end
local reply = { 2 }
for _, topic in ipairs(redis.call('SMEMBERS', topics)) do reply[#reply + 1] = topic end
redis.call('DEL', info, presence, queue, processing, bodies, topics, meta, dead, dead_entries)
return reply
