--[[
  Moves a room's committed mark over seqs that a writer other than persistence (the gateway's group commit
  with `postgres` receipts) has just committed, as far as they continue the mark without a gap: a seq
  above a gap may belong after a message still in flight, so persistence commits from the gap itself.

  KEYS[1] the room's persistence marks
  ARGV the committed seqs of the room, ascending

  Returns the committed mark afterwards.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end -- a lost room: its rebuild sets the marks
local committed = tonumber(redis.call('HGET', KEYS[1], 'committed') or '0')
local from = committed
for i = 1, #ARGV do
  local seq = tonumber(ARGV[i])
  if seq == committed + 1 then committed = seq elseif seq > committed then break end
end
if committed > from then redis.call('HSET', KEYS[1], 'committed', committed) end
return committed
