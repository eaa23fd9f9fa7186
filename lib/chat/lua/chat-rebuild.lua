--[[
  Resets a room's hot log to "everything up to seq is in PostgreSQL": an empty list with base = seq, the
  lease PostgreSQL reserved, the dedupe window loaded from PostgreSQL (the newest messages' ids; older ones are
  answered from PostgreSQL, see persist-ack.lua), this server's incarnation as epoch.
  The persistence marks move up to seq (every seq up to it is committed or was accounted as lost by the caller).

  The trimmed-id filter starts empty: it vouches for new ids again only in a room that trimmed nothing (`fbase` -1
  otherwise, so every id older than the window is checked against PostgreSQL until the room is archived).

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash  KEYS[4] persistence marks  KEYS[5] trimmed-id filter
  ARGV[1] seq  ARGV[2] lease  ARGV[3] ttl ms  ARGV[4] content bytes stored  ARGV[5] messages stored (the log cap)
  ARGV[6] the dedupe base (ids of messages up to it are not loaded)  ARGV[7..] dedupe field, seq, … (at most the window)

  Returns 1.
]]
redis.call('DEL', KEYS[1], KEYS[3], KEYS[5])
local n = 0
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', KEYS[2], 'seq', ARGV[1], 'base', ARGV[1], 'lease', ARGV[2], 'dd', redis.call('HLEN', KEYS[3]), 'bytes', ARGV[4], 'n', ARGV[5], 'dbase', ARGV[6], 'fbase', tonumber(ARGV[6]) == 0 and 0 or -1, 'epoch', oh_run_id())
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if n > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
local hw = tonumber(ARGV[1])
local p = redis.call('HMGET', KEYS[4], 'committed', 'pending')
if tonumber(p[1] or '0') < hw then redis.call('HSET', KEYS[4], 'committed', hw) end
if tonumber(p[2] or '0') < hw then redis.call('HSET', KEYS[4], 'pending', hw) end
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 1
