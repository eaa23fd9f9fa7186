--[[
  Resets a room's hot log to "everything up to seq is in PostgreSQL": an empty list with base = seq, the
  lease PostgreSQL reserved, the dedupe hash loaded from PostgreSQL, this incarnation's epoch. Persistence
  marks move up to seq (every seq up to it is committed or was accounted as lost by the caller).

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash
  KEYS[4] pending zset  KEYS[5] committed hash  KEYS[6] epoch key
  ARGV[1] requestIdx  ARGV[2] seq  ARGV[3] lease  ARGV[4] ttl ms  ARGV[5] content bytes stored (the log cap)
  ARGV[6..] dedupe field, seq, …

  Returns 1, or 0 when the epoch key is missing (refresh it and retry).
]]
local epoch = redis.call('GET', KEYS[6])
if not epoch then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
local n = 0
for i = 6, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', KEYS[2], 'seq', ARGV[2], 'base', ARGV[2], 'lease', ARGV[3], 'dd', redis.call('HLEN', KEYS[3]), 'bytes', ARGV[5], 'epoch', epoch)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if n > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
local hw = tonumber(ARGV[2])
if tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0') < hw then redis.call('HSET', KEYS[5], ARGV[1], hw) end
local pending = redis.call('ZSCORE', KEYS[4], ARGV[1])
if pending and tonumber(pending) <= hw then redis.call('ZREM', KEYS[4], ARGV[1]) end
return 1
