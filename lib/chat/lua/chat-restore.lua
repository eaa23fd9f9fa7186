--[[
  Loads a room's log into Redis from the durable copy, unless another caller already did.

  KEYS[1] room list, KEYS[2] room meta hash, KEYS[3] dedupe hash
  ARGV[1] ttl ms
  ARGV[2] last seq in the durable copy (0 for a new room)
  ARGV[3..] message JSON, dedupe field, message JSON, dedupe field, … in seq order

  Returns 1 when loaded, 0 when the room was already present.
]]
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
for i = 3, #ARGV, 2 do
  redis.call('RPUSH', KEYS[1], ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i + 1], (i - 1) / 2)
end
redis.call('HSET', KEYS[2], 'seq', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1
