--[[
  Records this Redis server's run id as the hot-log epoch. A restart (empty, or loaded from an older
  snapshot) or a failover changes the run id, so every room written before it fails verification once.

  KEYS[1] epoch key  ARGV[1] run id
  Returns 1 when the epoch changed.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
