--[[
  Reads a verified slice of a room's hot log.

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash  KEYS[4] persistence marks
  ARGV[1] afterSeq  ARGV[2] limit

  Returns {-1} when the room is not valid (rebuild it), else {1, base, seq, json...} with the messages of
  seq in (max(afterSeq, base), …], at most limit. Seqs up to base live in PostgreSQL only.
]]
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[4])
if not state then return {-1} end
local base = state[2]
local from = math.max(tonumber(ARGV[1]), base) - base
local limit = tonumber(ARGV[2])
local out = {1, base, state[1]}
if limit > 0 and from < state[1] - base then
  local entries = redis.call('LRANGE', KEYS[1], from, from + limit - 1)
  for i = 1, #entries do out[#out + 1] = entries[i] end
end
return out
