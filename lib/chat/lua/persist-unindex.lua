--[[
  Takes rooms off their shard's pending index once their messages up to a seq are committed, unless a
  newer append re-indexed a room meanwhile (its score is then higher). One call for a whole round.

  KEYS[1] pending index of the rooms' shard
  ARGV pairs: requestIdx, committed seq

  Returns how many rooms left the index.
]]
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed
