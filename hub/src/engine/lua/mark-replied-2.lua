-- Note a recipient's first reply to a message in its receipt; later replies change nothing.
-- KEYS[1] receipts  KEYS[2] receipts-old (of the replying recipient)
-- ARGV[1] message id  ARGV[2] reply id  ARGV[3] receipts TTL ms (2 × statusTtlMs)
-- returns 1 when noted, 0 when the recipient has no receipt or replied before
local r = receipt_find(KEYS[1], KEYS[2], ARGV[1])
if not r or r.replied ~= '' then return 0 end
r.replied = int_str(now_ms())
r.reply_id = ARGV[2]
receipt_store(KEYS[1], ARGV[1], r, ARGV[3])
return 1
