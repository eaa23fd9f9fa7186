--[[
  Appends one chat message atomically: verify the room, dedupe, next seq within the lease, append, TTL,
  mark for persistence, fan out. Publishing inside the script makes every subscriber see a room's events
  in seq order.

  KEYS[1] room list        KEYS[2] room meta hash   KEYS[3] dedupe hash     KEYS[4] closed flag
  KEYS[5] pending zset     KEYS[6] committed hash   KEYS[7] epoch key
  KEYS[8] sender channel   KEYS[9] peer channel
  ARGV[1] dedupe field     senderId .. "\0" .. clientMsgId
  ARGV[2] ttl ms
  ARGV[3] message JSON before the seq   '{"requestIdx":1,"seq":'
  ARGV[4] message JSON after the seq    ',"messageId":...}'
  ARGV[5] requestIdx
  ARGV[6] now (epoch ms)

  Returns {status, seq, lease}: status 1 appended, 0 duplicate (seq = the original), -1 room not valid
  (rebuild it), -2 closed, -3 seq lease used up (extend it in PostgreSQL first).
]]
if redis.call('EXISTS', KEYS[4]) == 1 then return {-2, 0, 0} end
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[7], KEYS[6], KEYS[5], ARGV[5])
if not state then return {-1, 0, 0} end

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {0, tonumber(existing), state[3]} end
if state[1] >= state[3] then return {-3, state[1], state[3]} end

local seq = state[1] + 1
local message = ARGV[3] .. seq .. ARGV[4]
redis.call('RPUSH', KEYS[1], message)
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('HSET', KEYS[2], 'seq', seq, 'dd', state[4] + 1, 'lastActivityMs', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[5], seq, ARGV[5])

local event = '{"type":"CHAT",' .. string.sub(message, 2)
redis.call('PUBLISH', KEYS[8], event)
if KEYS[9] ~= KEYS[8] then redis.call('PUBLISH', KEYS[9], event) end
return {1, seq, state[3]}
