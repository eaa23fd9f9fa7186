--[[
  Extends a lock's expiry only if this holder still owns it.
  KEYS[1] lock key; ARGV[1] holder token; ARGV[2] ttl ms. Returns 1 when extended.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
