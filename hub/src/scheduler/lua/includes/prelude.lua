-- Prepended to every schedule script after the generated `local ERR = {...}` table
-- (redis-schedule-errors.ts).

-- Store clock: Redis TIME in epoch milliseconds, so no replica clock decides anything.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Run state JSON <-> table. Absent optional fields stay absent (never JSON null).
local function run_decode(raw)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- A run state that is not active has no plan; an active one without a plan, or at its max
-- fire count, is completed.
local function settle(run)
  if run.st == 'active' and run.max and run.n >= run.max then run.st = 'completed' end
  if run.st == 'active' and not run.next then run.st = 'completed' end
  if run.st ~= 'active' then run.next = nil end
end

-- Keep the due set in line with a run state (not while a lease owns the entry's score).
local function place(due, id, run)
  if run.st == 'active' then
    redis.call('ZADD', due, run.next, id)
  else
    redis.call('ZREM', due, id)
  end
end
