--[[
  Raises a room's seq lease after PostgreSQL granted it, unless the room changed meanwhile.

  KEYS[1] room meta hash
  ARGV[1] the lease the grant was based on  ARGV[2] the new lease

  Returns 1 when set, 0 when the room's lease is no longer ARGV[1].
]]
if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease', ARGV[2])
return 1
