--[[
  Registers a session of a user unless the user already has `max` live sessions (across all gateways).

  KEYS[1] the user's presence zset (member = sessionId, score = expiry ms)
  ARGV[1] sessionId  ARGV[2] expiry ms  ARGV[3] now ms  ARGV[4] max sessions  ARGV[5] key ttl ms

  Returns 1 when registered (or refreshed), 0 when the user is at the limit.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
