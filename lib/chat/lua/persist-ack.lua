--[[
  Records that a room's messages up to a seq are committed to PostgreSQL (its marks, in the room's slot).

  KEYS[1] the room's persistence marks
  ARGV[1] committed seq  ARGV[2] ttl ms (the marks outlive the room's other keys by no more than they do)

  Returns the room's pending mark: when it is above ARGV[1], newer messages arrived meanwhile.
]]
local p = redis.call('HMGET', KEYS[1], 'committed', 'pending')
if tonumber(ARGV[1]) > tonumber(p[1] or '0') then redis.call('HSET', KEYS[1], 'committed', ARGV[1]) end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return tonumber(p[2] or '0')
