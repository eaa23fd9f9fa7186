--[[
  Records that a room's messages up to a seq are committed to PostgreSQL (its marks), and trims the hot
  log to a bounded tail: committed messages older than the newest ARGV[3] leave the list and `base` moves
  past them (reads below base come from PostgreSQL, which holds them). All keys are the room's (one slot).

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] the room's persistence marks
  ARGV[1] committed seq  ARGV[2] ttl ms (the marks outlive the room's other keys by no more than they do)
  ARGV[3] messages the list keeps at least (the hot tail)

  Returns the room's pending mark: when it is above ARGV[1], newer messages arrived meanwhile.
]]
local p = redis.call('HMGET', KEYS[3], 'committed', 'pending')
local committed = math.max(tonumber(ARGV[1]), tonumber(p[1] or '0'))
if tonumber(ARGV[1]) > tonumber(p[1] or '0') then redis.call('HSET', KEYS[3], 'committed', ARGV[1]) end
if redis.call('PTTL', KEYS[3]) < 0 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end

-- Trim only a list that agrees with its meta (a drifted room is left for verification to catch).
local m = redis.call('HMGET', KEYS[2], 'seq', 'base')
local seq, base = tonumber(m[1]), tonumber(m[2] or '0')
if seq and redis.call('LLEN', KEYS[1]) == seq - base then
  local newBase = math.min(committed, seq - tonumber(ARGV[3]))
  if newBase > base then
    redis.call('LTRIM', KEYS[1], newBase - base, -1)
    redis.call('HSET', KEYS[2], 'base', newBase)
  end
end
return tonumber(p[2] or '0')
