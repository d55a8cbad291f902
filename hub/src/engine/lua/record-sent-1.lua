-- Remember who a message went to, each recipient queued, and its reply-chain hops.
-- KEYS[1] status hash
-- ARGV[1] statusTtlMs  ARGV[2] meta JSON {from,to,acceptedAt,recipients}  ARGV[3] hops
-- ARGV[4..n] recipient ids
-- Recipient fields are 'r:<id>' = '<rank>|<atMs>|<replyId>' with rank 0 queued .. 3 replied.
-- returns 1
local now = int_str(now_ms())
redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'hops', ARGV[3])
for i = 4, #ARGV do redis.call('HSETNX', KEYS[1], 'r:' .. ARGV[i], '0|' .. now .. '|') end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
