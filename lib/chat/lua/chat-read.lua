--[[
  Reads a verified slice of a room's hot log.

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash
  KEYS[4] pending zset  KEYS[5] committed hash  KEYS[6] epoch key
  ARGV[1] requestIdx  ARGV[2] afterSeq  ARGV[3] limit

  Returns {-1} when the room is not valid (rebuild it), else {1, base, seq, json...} with the messages of
  seq in (max(afterSeq, base), …], at most limit. Seqs up to base live in PostgreSQL only.
]]
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[6], KEYS[5], KEYS[4], ARGV[1])
if not state then return {-1} end
local base = state[2]
local from = math.max(tonumber(ARGV[2]), base) - base
local limit = tonumber(ARGV[3])
local out = {1, base, state[1]}
if limit > 0 and from < state[1] - base then
  local entries = redis.call('LRANGE', KEYS[1], from, from + limit - 1)
  for i = 1, #entries do out[#out + 1] = entries[i] end
end
return out
