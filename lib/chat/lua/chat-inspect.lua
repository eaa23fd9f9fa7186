--[[
  What is left of a room that failed verification, for its rebuild: the meta fields, the persistence
  marks and every entry still in the list (uncommitted messages must not be dropped).

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash  KEYS[4] persistence marks

  Returns {1} when the room is valid after all (someone rebuilt it), else
  {0, metaSeq or -1, metaBase or -1, committed, pending, sameEpoch (1 when the meta was written in this
  Redis incarnation and not invalidated: its seq and the persistence marks are then exact), json...}.
]]
if oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[4]) then return {1} end
local m = redis.call('HMGET', KEYS[2], 'seq', 'base', 'epoch')
local p = redis.call('HMGET', KEYS[4], 'committed', 'pending')
local sameEpoch = 0
if m[3] and m[3] == oh_run_id() then sameEpoch = 1 end
local out = {0, tonumber(m[1] or '-1'), tonumber(m[2] or '-1'), tonumber(p[1] or '0'), tonumber(p[2] or '0'), sameEpoch}
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #entries do out[#out + 1] = entries[i] end
return out
