-- Bind an instance to a connection, requeue what its last connection was handed, and optionally
-- migrate another instance of the same user@host:project (after /clear) into it.
-- KEYS[1..9]   info, presence, queue, processing, bodies, topics, meta, dead, dead-entries of the instance
-- KEYS[10..18] the same keys of the instance to migrate from (the instance's own again when not migrating)
-- ARGV[1] secretHash  ARGV[2] role ('' keeps the stored one)  ARGV[3] replica  ARGV[4] connId
-- ARGV[5] presenceTtlMs  ARGV[6] queueTtlMs  ARGV[7] '1' to migrate  ARGV[8] secretHash of the old instance
-- ARGV[9] dead-letter cap
-- returns ERR.ID_IN_USE | ERR.FORBIDDEN |
--   { now, created 0|1, requeued, migrated 0|1, migratedMessages, migratedTopic... }
local info, presence, queue, processing, bodies, topics = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local meta, dead, dead_entries = KEYS[7], KEYS[8], KEYS[9]
local o_info, o_presence, o_queue, o_processing, o_bodies, o_topics =
  KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]
local o_meta, o_dead, o_dead_entries = KEYS[16], KEYS[17], KEYS[18]
local secret, role, replica, conn = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

-- Every check comes before the first write: a refusal changes nothing.
if redis.call('EXISTS', presence) == 1 and redis.call('HGET', info, 'secretHash') ~= secret then
  return ERR.ID_IN_USE
end
local migrate = ARGV[7] == '1' and redis.call('EXISTS', o_info) == 1
if migrate and redis.call('HGET', o_info, 'secretHash') ~= ARGV[8] then
  return ERR.FORBIDDEN
end

local now = now_ms()
local created = 0
if redis.call('EXISTS', info) == 0 then
  created = 1
  redis.call('HSET', info, 'registeredAt', int_str(now))
end
redis.call('HSET', info, 'secretHash', secret, 'replica', replica, 'connId', conn, 'lastSeen', int_str(now))
if role ~= '' then redis.call('HSET', info, 'role', role) end
redis.call('SET', presence, conn, 'PX', ARGV[5])
local requeued = requeue(queue, processing, bodies)

local reply = { now, created, requeued, 0, 0 }
if migrate then
  -- The old processing list goes back in front of the old queue; then the whole old queue goes
  -- in front of everything here (RPUSH of newest..oldest leaves the oldest at the right end).
  requeue(o_queue, o_processing, o_bodies)
  local moved = 0
  for _, id in ipairs(redis.call('LRANGE', o_queue, 0, -1)) do
    local body = redis.call('HGET', o_bodies, id)
    if body then
      redis.call('HSET', bodies, id, body)
      -- Delivery count and enqueue time travel with the message.
      local m = redis.call('HGET', o_meta, id)
      if m then redis.call('HSET', meta, id, m) end
      redis.call('RPUSH', queue, id)
      moved = moved + 1
    end
  end
  -- The old dead letters are older: they go in front of ours (LPUSH newest..oldest), ours win
  -- on a shared id, and the cap drops from the front.
  local old_dead = redis.call('LRANGE', o_dead, 0, -1)
  for i = #old_dead, 1, -1 do
    local entry = redis.call('HGET', o_dead_entries, old_dead[i])
    if entry and redis.call('HSETNX', dead_entries, old_dead[i], entry) == 1 then
      redis.call('LPUSH', dead, old_dead[i])
    end
  end
  trim_dead(dead, dead_entries, tonumber(ARGV[9]))
  if role == '' then
    local old_role = redis.call('HGET', o_info, 'role')
    if old_role then redis.call('HSET', info, 'role', old_role) end
  end
  reply[4] = 1
  reply[5] = moved
  for _, topic in ipairs(redis.call('SMEMBERS', o_topics)) do
    redis.call('SADD', topics, topic)
    reply[#reply + 1] = topic
  end
  redis.call('DEL', o_info, o_presence, o_queue, o_processing, o_bodies, o_topics, o_meta, o_dead, o_dead_entries)
end
touch(ARGV[6], queue, processing, bodies, meta, dead, dead_entries)
return reply
