--[[
  Reads what persistence has not committed yet of verified rooms, each with its committed mark: one room
  per call on a Redis Cluster (its keys share a slot), a round's rooms in one call on one server.

  KEYS, four per room: room list, room meta hash, dedupe hash, persistence marks
  ARGV: per room the newest seq to read (its score in the pending index), then the most messages per room

  Returns, per room: -1 when the room is not valid (rebuild it), else 1, committed, n, then the n messages
  of seq in (max(committed, base), min(newest, seq)], at most the cap of them.
]]
local rooms = #KEYS / 4
local max = tonumber(ARGV[rooms + 1])
local out = {}
for r = 0, rooms - 1 do
  local k = r * 4
  local state = oh_room_state(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4])
  if not state then
    out[#out + 1] = -1
  else
    local seq, base, committed = state[1], state[2], state[5]
    local from = math.max(committed, base)
    local upto = math.min(tonumber(ARGV[r + 1]), seq, from + max)
    local entries = {}
    if upto > from then entries = redis.call('LRANGE', KEYS[k + 1], from - base, upto - base - 1) end
    out[#out + 1] = 1
    out[#out + 1] = committed
    out[#out + 1] = #entries
    for i = 1, #entries do out[#out + 1] = entries[i] end
  end
end
return out
