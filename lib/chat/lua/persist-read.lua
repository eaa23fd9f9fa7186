--[[
  Reads what persistence has not committed yet of a verified room, with the committed mark, in one call.

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash  KEYS[4] persistence marks
  ARGV[1] newest seq to read (the room's score in the pending index)  ARGV[2] most messages

  Returns {-1} when the room is not valid (rebuild it), else {1, committed, json...} with the messages of
  seq in (max(committed, base), min(newest, seq)], at most ARGV[2] of them.
]]
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if not state then return {-1} end
local seq, base, committed = state[1], state[2], state[5]
local from = math.max(committed, base)
local upto = math.min(tonumber(ARGV[1]), seq, from + tonumber(ARGV[2]))
local out = {1, committed}
if upto > from then
  local entries = redis.call('LRANGE', KEYS[1], from - base, upto - base - 1)
  for i = 1, #entries do out[#out + 1] = entries[i] end
end
return out
