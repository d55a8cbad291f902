-- The reply-chain hops of a message this recipient received, while its status is kept.
-- KEYS[1] receipts  KEYS[2] receipts-old
-- ARGV[1] message id  ARGV[2] statusTtlMs
-- returns hops, or false when there is no receipt or it is older than statusTtlMs
local r = receipt_find(KEYS[1], KEYS[2], ARGV[1])
if not r or now_ms() - (tonumber(r.enq) or 0) > tonumber(ARGV[2]) then return false end
return tonumber(r.hops) or 0
