--[[
  Lists rooms of one shard in its pending index after their appends (a Redis Cluster, where the index lives
  in another slot than the rooms), and leaves a wake token for the shard's drain when a room entered.

  KEYS[1] the shard's pending index   KEYS[2] the shard's wake list
  ARGV pairs: requestIdx, newest seq appended (scores only rise)

  Returns how many rooms entered the index.
]]
local added = 0
for i = 1, #ARGV, 2 do
  added = added + redis.call('ZADD', KEYS[1], 'GT', ARGV[i + 1], ARGV[i])
end
if added > 0 then redis.call('RPUSH', KEYS[2], 1) end
return added
