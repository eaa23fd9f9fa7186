--[[
  Records that a room's messages up to a seq are committed to PostgreSQL, and takes the room off the
  pending set unless newer messages arrived meanwhile (their score is higher).

  KEYS[1] pending zset of the room's shard   {prefix}:persist:pending:{shard}
  KEYS[2] committed hash                     {prefix}:persist:committed
  ARGV[1] requestIdx
  ARGV[2] committed seq

  Returns 1 when the room left the pending set, 0 when it stays.
]]
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
