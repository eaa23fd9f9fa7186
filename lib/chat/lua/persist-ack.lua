--[[
  Records that rooms' messages up to a seq are committed to PostgreSQL (their marks), and trims each hot
  log to a bounded tail: committed messages older than the newest ARGV[n+2] leave the list and `base` moves
  past them (reads below base come from PostgreSQL, which holds them). One room per call on a Redis
  Cluster (its keys share a slot), a round's rooms in one call on one server.

  KEYS, three per room: room list, room meta hash, the room's persistence marks
  ARGV: per room its committed seq, then the ttl ms (the marks outlive the room's other keys by no more than
  they do), then the messages each list keeps at least (the hot tail)
]]
local rooms = #KEYS / 3
local ttl, tail = ARGV[rooms + 1], tonumber(ARGV[rooms + 2])
for r = 0, rooms - 1 do
  local list, meta, marks = KEYS[r * 3 + 1], KEYS[r * 3 + 2], KEYS[r * 3 + 3]
  local acked = tonumber(ARGV[r + 1])
  local had = tonumber(redis.call('HGET', marks, 'committed') or '0')
  local committed = math.max(acked, had)
  if acked > had then redis.call('HSET', marks, 'committed', acked) end
  if redis.call('PTTL', marks) < 0 then redis.call('PEXPIRE', marks, ttl) end
  -- Trim only a list that agrees with its meta (a drifted room is left for verification to catch).
  local m = redis.call('HMGET', meta, 'seq', 'base')
  local seq, base = tonumber(m[1]), tonumber(m[2] or '0')
  if seq and redis.call('LLEN', list) == seq - base then
    local newBase = math.min(committed, seq - tail)
    if newBase > base then
      redis.call('LTRIM', list, newBase - base, -1)
      redis.call('HSET', meta, 'base', newBase)
    end
  end
end
return rooms
