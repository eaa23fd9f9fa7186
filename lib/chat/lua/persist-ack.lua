--[[
  Records that rooms' messages up to a seq are committed to PostgreSQL (their marks), and trims each hot
  log to a bounded tail: committed messages older than the newest ARGV[n+2] leave the list and `base` moves
  past them (reads below base come from PostgreSQL, which holds them). The dedupe hash is trimmed in steps:
  once it holds between 1.5 and 2 times the tail (the point is the room's own), every entry at or below the list's base (committed) leaves it and the meta's
  `dbase` moves there; a send whose id is not in the hash is then checked against PostgreSQL's unique index
  (chat-append.lua's -6) unless the room's trimmed-id filter vouches that it was never trimmed: the trimmed ids
  go into the filter, whose `fbase` follows `dbase` as long as the filter holds every id trimmed (a rebuilt room
  starts without one). So a room's Redis memory stays bounded however long its history. One room per call
  on a Redis Cluster (its keys share a slot), a round's rooms in one call on one server.

  KEYS, five per room: room list, room meta hash, the room's persistence marks, the room's dedupe hash, its
  trimmed-id filter
  ARGV: per room its committed seq, then the ttl ms (the marks outlive the room's other keys by no more than
  they do), then the messages each list keeps at least (the hot tail)
]]
local rooms = #KEYS / 5
local ttl, tail = ARGV[rooms + 1], tonumber(ARGV[rooms + 2])
-- Rooms that fill in step (a class, a benchmark's synchronised rooms) would all trim in the same rounds and
-- hold Redis up together: each room trims at its own point between 1.5 and 2 times the tail, from a hash of
-- its dedupe key, so their trims spread out and stay spread.
local half = math.floor(tail / 2)
local function trimsAt(dd, dedupe)
  return dd >= tail + half and dd >= tail + half + tonumber(string.sub(redis.sha1hex(dedupe), 1, 6), 16) % (half + 1)
end
for r = 0, rooms - 1 do
  local list, meta, marks, dedupe, filter = KEYS[r * 5 + 1], KEYS[r * 5 + 2], KEYS[r * 5 + 3], KEYS[r * 5 + 4], KEYS[r * 5 + 5]
  local acked = tonumber(ARGV[r + 1])
  local had = tonumber(redis.call('HGET', marks, 'committed') or '0')
  local committed = math.max(acked, had)
  if acked > had then redis.call('HSET', marks, 'committed', acked) end
  if redis.call('PTTL', marks) < 0 then redis.call('PEXPIRE', marks, ttl) end
  -- Trim only a list that agrees with its meta (a drifted room is left for verification to catch).
  local m = redis.call('HMGET', meta, 'seq', 'base', 'dd', 'n', 'dbase', 'fbase')
  local seq, base = tonumber(m[1]), tonumber(m[2] or '0')
  if seq and redis.call('LLEN', list) == seq - base then
    local newBase = math.min(committed, seq - tail)
    if newBase > base then
      redis.call('LTRIM', list, newBase - base, -1)
      redis.call('HSET', meta, 'base', newBase)
      base = newBase
    end
    local dd = tonumber(m[3] or '0')
    if trimsAt(dd, dedupe) and base > tonumber(m[5] or '0') and redis.call('HLEN', dedupe) == dd then
      local all = redis.call('HGETALL', dedupe)
      local gone = {}
      for i = 1, #all, 2 do
        if tonumber(all[i + 1]) <= base then gone[#gone + 1] = all[i] end
      end
      for i = 1, #gone, 500 do redis.call('HDEL', dedupe, unpack(gone, i, math.min(i + 499, #gone))) end
      local filterBase = tonumber(m[6] or '0')
      if filterBase == tonumber(m[5] or '0') then
        for i = 1, #gone do oh_filter_add(filter, gone[i]) end
        filterBase = base
        redis.call('PEXPIRE', filter, ttl)
      end
      -- `n` (the message count the log cap reads) was the dedupe count in rooms written before it existed.
      redis.call('HSET', meta, 'dd', dd - #gone, 'dbase', base, 'n', m[4] or dd, 'fbase', filterBase)
    end
  end
end
return rooms
