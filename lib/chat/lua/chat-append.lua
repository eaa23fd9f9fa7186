--[[
  Appends one chat message atomically: dedupe, next seq, append, TTL, mark for persistence, fan out.
  Publishing inside the script makes every subscriber see a room's events in seq order.

  KEYS[1] room list        {prefix}:chat:room:{id}
  KEYS[2] room meta hash   {prefix}:chat:meta:{id}   (field seq; absent → room not loaded)
  KEYS[3] dedupe hash      {prefix}:chat:dedupe:{id}
  KEYS[4] closed flag      {prefix}:chat:closed:{id}
  KEYS[5] pending zset     {prefix}:persist:pending:{shard}
  KEYS[6] sender channel   {prefix}:user:{senderId}
  KEYS[7] peer channel     {prefix}:user:{peerId}
  ARGV[1] dedupe field     senderId .. "\0" .. clientMsgId
  ARGV[2] ttl ms
  ARGV[3] message JSON before the seq   '{"requestIdx":1,"seq":'
  ARGV[4] message JSON after the seq    ',"messageId":...}'
  ARGV[5] requestIdx
  ARGV[6] now (epoch ms)

  Returns {status, seq}: status 1 appended, 0 duplicate (seq = the original), -1 room not loaded, -2 closed.
]]
if redis.call('EXISTS', KEYS[4]) == 1 then return {-2, 0} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1, 0} end

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {0, tonumber(existing)} end

local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local message = ARGV[3] .. seq .. ARGV[4]
redis.call('RPUSH', KEYS[1], message)
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('HSET', KEYS[2], 'lastActivityMs', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[5], seq, ARGV[5])

local event = '{"type":"CHAT",' .. string.sub(message, 2)
redis.call('PUBLISH', KEYS[6], event)
if KEYS[7] ~= KEYS[6] then redis.call('PUBLISH', KEYS[7], event) end
return {1, seq}
