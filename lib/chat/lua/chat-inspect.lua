--[[
  What is left of a room that failed verification, for its rebuild: the meta fields, the persistence
  marks and every entry still in the list (uncommitted messages must not be dropped).

  KEYS[1] room list  KEYS[2] room meta hash  KEYS[3] dedupe hash
  KEYS[4] pending zset  KEYS[5] committed hash  KEYS[6] epoch key
  ARGV[1] requestIdx

  Returns {1} when the room is valid after all (someone rebuilt it), else
  {0, metaSeq or -1, metaBase or -1, committed, pending, sameEpoch (1 when the meta was written in this
  Redis incarnation and not invalidated: its seq and the persistence marks are then exact), json...}.
]]
if oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[6], KEYS[5], KEYS[4], ARGV[1]) then return {1} end
local m = redis.call('HMGET', KEYS[2], 'seq', 'base', 'epoch')
local epoch = redis.call('GET', KEYS[6])
local sameEpoch = 0
if m[3] and epoch and m[3] == epoch then sameEpoch = 1 end
local out = {0, tonumber(m[1] or '-1'), tonumber(m[2] or '-1'),
  tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0'), tonumber(redis.call('ZSCORE', KEYS[4], ARGV[1]) or '0'), sameEpoch}
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #entries do out[#out + 1] = entries[i] end
return out
