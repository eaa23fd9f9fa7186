--[[
  Shared prelude (prepended to the hot-log scripts): reads a room's state and checks that its keys agree,
  so a lost, evicted or stale key is noticed before it can hand out a seq or serve a read.

  A room is valid when:
    - its meta hash exists and was written by this Redis server in this incarnation (field epoch = the
      server's run id, which changes on every restart and differs on a promoted replica);
    - the list holds exactly the seqs base+1..seq (LLEN = seq - base) and its last entry is seq;
    - the dedupe hash holds every entry it should (HLEN = dd);
    - seq is not behind what persistence has seen (the room's committed and pending marks).
  Returns nil when any check fails, else {seq, base, lease, dd, committed, bytes, ttlAt, messages, dedupeBase, filterBase}:
  `messages` is the room's message count (the log cap; rooms written before it existed count their dedupe entries),
  `dedupeBase` the seq up to which dedupe entries were trimmed to PostgreSQL (persist-ack.lua), `filterBase` the seq up
  to which the room's trimmed-id filter holds every trimmed id (it vouches for new ids only when it equals dedupeBase).
  All keys are the room's (one slot).
]]
local oh_run_id_seen
local function oh_run_id()
  -- INFO inside the script (about 2 µs) rather than a cached key: a key would be replicated or restored
  -- along with the data it is meant to judge. Read once per call, however many rooms the call verifies.
  if not oh_run_id_seen then oh_run_id_seen = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') end
  return oh_run_id_seen
end

local function oh_room_state(list, meta, dedupe, marks)
  local m = redis.call('HMGET', meta, 'seq', 'base', 'lease', 'dd', 'epoch', 'bytes', 'ttlAt', 'n', 'dbase', 'fbase')
  if not m[1] or not m[5] or m[5] ~= oh_run_id() then return nil end
  local seq, base, lease, dd = tonumber(m[1]), tonumber(m[2] or '0'), tonumber(m[3] or '0'), tonumber(m[4] or '0')
  if redis.call('LLEN', list) ~= seq - base then return nil end
  if seq > base then
    local last = redis.call('LINDEX', list, -1)
    if tonumber(string.match(last, '"seq":(%d+)') or '-1') ~= seq then return nil end
  end
  if redis.call('HLEN', dedupe) ~= dd then return nil end
  local p = redis.call('HMGET', marks, 'committed', 'pending')
  local committed = tonumber(p[1] or '0')
  if seq < committed or seq < tonumber(p[2] or '0') then return nil end
  return {seq, base, lease, dd, committed, tonumber(m[6] or '0'), tonumber(m[7] or '0'), tonumber(m[8] or m[4] or '0'), tonumber(m[9] or '0'), tonumber(m[10] or '0')}
end
