--[[
  Shared prelude (prepended to the hot-log scripts): reads a room's state and checks that its keys agree,
  so a lost, evicted or stale key is noticed before it can hand out a seq or serve a read.

  A room is valid when:
    - its meta hash exists and was written in this Redis incarnation (field epoch = the epoch key);
    - the list holds exactly the seqs base+1..seq (LLEN = seq - base) and its last entry is seq;
    - the dedupe hash holds every entry it should (HLEN = dd);
    - seq is not behind what persistence has seen (committed mark, pending score).
  Returns nil when any check fails, else {seq, base, lease, dd}.
]]
local function oh_room_state(list, meta, dedupe, epochKey, committedKey, pendingKey, id)
  local m = redis.call('HMGET', meta, 'seq', 'base', 'lease', 'dd', 'epoch')
  if not m[1] or not m[5] then return nil end
  local epoch = redis.call('GET', epochKey)
  if not epoch or epoch ~= m[5] then return nil end
  local seq, base, lease, dd = tonumber(m[1]), tonumber(m[2] or '0'), tonumber(m[3] or '0'), tonumber(m[4] or '0')
  if redis.call('LLEN', list) ~= seq - base then return nil end
  if seq > base then
    local last = redis.call('LINDEX', list, -1)
    if tonumber(string.match(last, '"seq":(%d+)') or '-1') ~= seq then return nil end
  end
  if redis.call('HLEN', dedupe) ~= dd then return nil end
  if seq < tonumber(redis.call('HGET', committedKey, id) or '0') then return nil end
  if seq < tonumber(redis.call('ZSCORE', pendingKey, id) or '0') then return nil end
  return {seq, base, lease, dd}
end
