--[[
  Takes a room off its shard's pending index once its messages up to a seq are committed, unless a newer
  append re-indexed it meanwhile (its score is then higher).

  KEYS[1] pending index of the room's shard
  ARGV[1] requestIdx  ARGV[2] committed seq

  Returns 1 when the room left the index.
]]
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
