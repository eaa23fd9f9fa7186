--[[
  Appends one chat message atomically: verify the room, dedupe, next seq within the lease, append, TTL,
  mark for persistence, fan out. Publishing inside the script makes every subscriber see a room's events
  in seq order. Every key is the room's (one slot, so this runs on a Redis Cluster node as it is).

  KEYS[1] room list        KEYS[2] room meta hash   KEYS[3] dedupe hash     KEYS[4] closed flag
  KEYS[5] persistence marks                          KEYS[6] the sender's send bucket in this room
  KEYS[7] the room's event channel (sharded)
  ARGV[1] dedupe field     senderId .. "\0" .. clientMsgId
  ARGV[2] ttl ms
  ARGV[3] message JSON before the seq   '{"requestIdx":1,"seq":'
  ARGV[4] message JSON after the seq    ',"messageId":...}'
  ARGV[5] now (epoch ms)
  ARGV[6] send rate per second   ARGV[7] burst
  ARGV[8] log cap: messages      ARGV[9] log cap: content bytes   ARGV[10] this message's content bytes

  Returns {status, seq, lease}: status 1 appended, 0 duplicate (seq = the original), -1 room not valid
  (rebuild it), -2 closed, -3 seq lease used up (extend it in PostgreSQL first), -4 the sender's rate
  limit (a token bucket; duplicates do not spend), -5 the room's log is full (its cap).
]]
if redis.call('EXISTS', KEYS[4]) == 1 then return {-2, 0, 0} end
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[5])
if not state then return {-1, 0, 0} end

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {0, tonumber(existing), state[3]} end

local rate, burst, now = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[5])
local bucket = redis.call('HMGET', KEYS[6], 't', 'ts')
local tokens = math.min(burst, tonumber(bucket[1] or burst) + (now - tonumber(bucket[2] or now)) * rate / 1000)
if tokens < 1 then return {-4, 0, 0} end

local bytes = state[6] + tonumber(ARGV[10])
if state[4] + 1 > tonumber(ARGV[8]) or bytes > tonumber(ARGV[9]) then return {-5, 0, 0} end
if state[1] >= state[3] then return {-3, state[1], state[3]} end

redis.call('HSET', KEYS[6], 't', tokens - 1, 'ts', now)
redis.call('PEXPIRE', KEYS[6], math.ceil(burst / rate * 1000) + 1000)

local seq = state[1] + 1
local message = ARGV[3] .. seq .. ARGV[4]
redis.call('RPUSH', KEYS[1], message)
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('HSET', KEYS[2], 'seq', seq, 'dd', state[4] + 1, 'bytes', bytes, 'lastActivityMs', ARGV[5])
redis.call('HSET', KEYS[5], 'pending', seq)
-- The list's TTL restarts with every message (CONTRACT §6). The room's other keys are refreshed at most every
-- 1/64 of the TTL (and whenever the dedupe hash was just created): three commands fewer per message; they may
-- expire that much before the list, and a room without its meta is rebuilt from PostgreSQL.
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
if state[4] == 0 or now - state[7] >= ttl / 64 then
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('PEXPIRE', KEYS[5], ttl)
  redis.call('HSET', KEYS[2], 'ttlAt', now)
  redis.call('PEXPIRE', KEYS[2], ttl)
end

redis.call('SPUBLISH', KEYS[7], '{"type":"CHAT",' .. string.sub(message, 2))
return {1, seq, state[3]}
