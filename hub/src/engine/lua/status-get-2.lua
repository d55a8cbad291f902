-- A sent-message record written by status-index-3.lua, while it is younger than statusTtlMs.
-- KEYS[1] index  KEYS[2] index-old
-- ARGV[1] message id  ARGV[2] statusTtlMs
-- returns the record JSON, or false
local v = redis.call('HGET', KEYS[1], ARGV[1]) or redis.call('HGET', KEYS[2], ARGV[1])
if not v then return false end
local at, record = string.match(v, '^(%d+)|(.*)$')
if not at or now_ms() - tonumber(at) > tonumber(ARGV[2]) then return false end
return record
