--[[
  Appends a batch of a room's chat messages (one event-loop turn's worth, in arrival order) atomically:
  verify the room once, then per message dedupe, rate limit, next seq within the lease, append; then one
  publish of the batch's events and the room's meta, marks and TTLs once. Publishing inside the script makes every subscriber see a
  room's events in seq order. Every key is the room's (one slot, so this runs on a Redis Cluster node as it is).

  KEYS[1] room list        KEYS[2] room meta hash   KEYS[3] dedupe hash     KEYS[4] closed flag
  KEYS[5] persistence marks                          KEYS[6] the room's event channel (sharded)
  KEYS[7] the room's trimmed-id filter (trimmed-id-filter.lua)
  KEYS[8], KEYS[9] (one Redis server only) the shard's pending index and wake list: the room is indexed in
  the same call, so the RECEIPT needs one round trip and no crash can leave an appended room unindexed. On a
  Redis Cluster they live in another slot and PersistIndex writes them after the append.
  ARGV[1] ttl ms   ARGV[2] now (epoch ms)   ARGV[3] send rate per second   ARGV[4] burst
  ARGV[5] log cap: messages   ARGV[6] log cap: content bytes
  ARGV[7] message JSON before the seq   '{"requestIdx":1,"seq":'   ARGV[8] the requestIdx
  ARGV[9] the dedupe base the caller checked these messages' ids against PostgreSQL at (0: not checked)
  ARGV[10], ARGV[11] the batch's (at most two) senders: each sender's send bucket in this room is two fields of
  the meta hash (`bt:` tokens, `bs:` when last spent), read and written with the meta's own commands
  then four per message: sender (1 or 2: ARGV[10] or ARGV[11]), dedupe field (senderId .. "\0" .. clientMsgId),
  message JSON after the seq (',"messageId":...}'), content bytes

  Returns {status, seq, lease} per message, flattened: status 1 appended, 0 duplicate (seq = the original),
  -1 room not valid (rebuild it), -2 closed, -3 seq lease used up (extend it in PostgreSQL first), -4 the
  sender's rate limit (a token bucket; duplicates do not spend), -5 the room's log is full (its cap), -6 the id
  is not in the dedupe window, entries older than it were trimmed after ARGV[9] and the trimmed-id filter cannot
  vouch that it was never trimmed (lease = the room's dedupe base): check the id against PostgreSQL, then send
  again with that base. Such a refusal holds the room's unchecked ids for HOLD_MS (meta `hold`): a later call
  that was sent before the caller saw the refusal must not let a sender's next message overtake it.
  Once the lease is used up, or a message needs that check, every later new message of the batch gets the same
  status, so none overtakes another.
]]
local HOLD_MS = 5000
local n = (#ARGV - 11) / 4
local out = {}
local function all(status)
  for i = 1, n do out[#out + 1] = status; out[#out + 1] = 0; out[#out + 1] = 0 end
  return out
end
if redis.call('EXISTS', KEYS[4]) == 1 then return all(-2) end
local state = oh_room_state(KEYS[1], KEYS[2], KEYS[3], KEYS[5])
if not state then return all(-1) end

local seq, lease, dd, bytes, count, dedupeBase = state[1], state[3], state[4], state[6], state[8], state[9]
local checkedBase = tonumber(ARGV[9])
local now, rate, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local maxMessages, maxBytes = tonumber(ARGV[5]), tonumber(ARGV[6])
local bucketFields = redis.call('HMGET', KEYS[2], 'bt:' .. ARGV[10], 'bs:' .. ARGV[10], 'bt:' .. ARGV[11], 'bs:' .. ARGV[11])
local buckets = {}
local events = {}
local appended = 0
local leaseOut = false
local unchecked = false
local filterValid, holding
-- True when the filter shows the id is new though the room's window no longer holds every id it had.
local function vouched(field)
  if filterValid == nil then
    filterValid = state[10] == dedupeBase and redis.call('EXISTS', KEYS[7]) == 1
    holding = tonumber(redis.call('HGET', KEYS[2], 'hold') or '0') > now
  end
  return filterValid and oh_filter_lacks(KEYS[7], field)
end
-- Whether a new id must be checked against PostgreSQL first. Only an id the filter cannot vouch for starts the
-- hold (or moves its end); one refused because of the hold does not, so a busy room's hold ends HOLD_MS after
-- its last real lookup instead of lasting as long as the room keeps talking.
local function mustCheck(field)
  if unchecked then return true end
  if dedupeBase <= checkedBase then return false end
  if not vouched(field) then
    redis.call('HSET', KEYS[2], 'hold', now + HOLD_MS)
    return true
  end
  return holding
end
for i = 0, n - 1 do
  local a = 12 + i * 4
  local sender = tonumber(ARGV[a])
  local existing = redis.call('HGET', KEYS[3], ARGV[a + 1])
  if existing then
    out[#out + 1] = 0; out[#out + 1] = tonumber(existing); out[#out + 1] = lease
  else
    local b = buckets[sender]
    if not b then
      local t, ts = bucketFields[sender * 2 - 1], bucketFields[sender * 2]
      -- Gateways' clocks differ a little: a stamp from the future refills nothing rather than draining the bucket.
      b = {tokens = math.min(burst, tonumber(t or burst) + math.max(0, now - tonumber(ts or now)) * rate / 1000), spent = false}
      buckets[sender] = b
    end
    local size = tonumber(ARGV[a + 3])
    if mustCheck(ARGV[a + 1]) then
      unchecked = true
      out[#out + 1] = -6; out[#out + 1] = 0; out[#out + 1] = dedupeBase
    elseif b.tokens < 1 then
      out[#out + 1] = -4; out[#out + 1] = 0; out[#out + 1] = 0
    elseif count + 1 > maxMessages or bytes + size > maxBytes then
      out[#out + 1] = -5; out[#out + 1] = 0; out[#out + 1] = 0
    elseif leaseOut or seq >= lease then
      leaseOut = true
      out[#out + 1] = -3; out[#out + 1] = seq; out[#out + 1] = lease
    else
      b.tokens = b.tokens - 1
      b.spent = true
      seq = seq + 1
      dd = dd + 1
      count = count + 1
      bytes = bytes + size
      appended = appended + 1
      local message = ARGV[7] .. seq .. ARGV[a + 2]
      redis.call('RPUSH', KEYS[1], message)
      redis.call('HSET', KEYS[3], ARGV[a + 1], seq)
      events[#events + 1] = '{"type":"CHAT",' .. string.sub(message, 2)
      out[#out + 1] = 1; out[#out + 1] = seq; out[#out + 1] = lease
    end
  end
end

if appended == 0 then return out end

-- One publish for the batch: its CHAT events in seq order, one per line (JSON never holds a raw newline).
redis.call('SPUBLISH', KEYS[6], table.concat(events, '\n'))

local meta = {'seq', seq, 'dd', dd, 'n', count, 'bytes', bytes, 'lastActivityMs', now}
-- Only a sender who appended spent tokens (the bucket keeps its two fields for the room's life).
for sender, b in pairs(buckets) do
  if b.spent then
    local id = ARGV[9 + sender]
    meta[#meta + 1] = 'bt:' .. id; meta[#meta + 1] = b.tokens
    meta[#meta + 1] = 'bs:' .. id; meta[#meta + 1] = now
  end
end
redis.call('HSET', KEYS[2], unpack(meta))
redis.call('HSET', KEYS[5], 'pending', seq)
-- Scores only rise; a room entering the index leaves one wake token for its shard's drain.
if KEYS[8] and redis.call('ZADD', KEYS[8], 'GT', seq, ARGV[8]) == 1 then redis.call('RPUSH', KEYS[9], 1) end
-- The list's TTL restarts with every message (CONTRACT §6). The room's other keys are refreshed at most every
-- 1/64 of the TTL (and whenever the dedupe hash was just created): fewer commands per message; they may
-- expire that much before the list, and a room without its meta is rebuilt from PostgreSQL.
local ttl = tonumber(ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
if state[4] == 0 or now - state[7] >= ttl / 64 then
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('PEXPIRE', KEYS[5], ttl)
  redis.call('PEXPIRE', KEYS[7], ttl)
  redis.call('HSET', KEYS[2], 'ttlAt', now)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return out
