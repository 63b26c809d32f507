-- One MWS throttle bucket, changed atomically. The arithmetic mirrors _Bucket in buckets.py;
-- a change to one must be made to the other (tests run the same cases against both).
--
-- KEYS[1]  the bucket hash: l (level), u (updated), b (blocked until), h (learned hourly max),
--          s<slot> (calls counted in that hourly slot)
-- KEYS[2]  the epoch: when this store's knowledge began
-- ARGV     op, now ("" = Redis's clock), quota, restore seconds, hourly quota ("" = none),
--          slot seconds, delivery allowance, then the op's own arguments

local op = ARGV[1]
local now
if ARGV[2] ~= "" then
  now = tonumber(ARGV[2])
else
  local t = redis.call("TIME")
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local quota = tonumber(ARGV[3])
local restore = tonumber(ARGV[4])
local hourly_default = tonumber(ARGV[5])
local slot_seconds = tonumber(ARGV[6])
local allowance = tonumber(ARGV[7])
local WINDOW = 60
local EPS = 1e-9

local function fmt(x)
  return string.format("%.6f", x)
end

redis.call("SET", KEYS[2], fmt(now), "NX")
local epoch = tonumber(redis.call("GET", KEYS[2]))

local raw = redis.call("HGETALL", KEYS[1])
local known = #raw > 0
local level, updated, blocked, hourly_max = 0, epoch, 0, 0
local slots = {}
for i = 1, #raw, 2 do
  local f, v = raw[i], raw[i + 1]
  if f == "l" then level = tonumber(v)
  elseif f == "u" then updated = tonumber(v)
  elseif f == "b" then blocked = tonumber(v)
  elseif f == "h" then hourly_max = tonumber(v)
  elseif string.sub(f, 1, 1) == "s" then slots[tonumber(string.sub(f, 2))] = tonumber(v)
  end
end

local crossing = updated
if level < 1 - EPS then crossing = updated + (1 - level) * restore end
local token_at = math.min(now, math.max(crossing, blocked))
if now > updated then
  level = math.min(quota, level + (now - updated) / restore)
  updated = now
end

local slot = math.floor(now / slot_seconds)
local dropped = {}
local used = 0
local oldest = nil
local newest = nil
for s, n in pairs(slots) do
  if s < slot - WINDOW then
    table.insert(dropped, "s" .. s)
    slots[s] = nil
  else
    used = used + n
    if oldest == nil or s < oldest then oldest = s end
    if newest == nil or s > newest then newest = s end
  end
end
local limit = hourly_default
if hourly_max > 0 then limit = hourly_max end

local function hourly_free_at()
  return ((oldest or slot) + WINDOW + 1) * slot_seconds
end

local function count(calls)
  if limit ~= nil then
    slots[slot] = (slots[slot] or 0) + calls
    used = used + calls
    if newest == nil or slot > newest then newest = slot end
    if oldest == nil or slot < oldest then oldest = slot end
  end
end

local reply
if op == "take" then
  if blocked > now then
    reply = {"0", fmt(now), fmt(blocked), fmt(now), "blocked", fmt(now)}
  elseif limit ~= nil and used >= limit then
    reply = {"0", fmt(now), fmt(hourly_free_at()), fmt(now), "hourly", fmt(now)}
  elseif level < 1 - EPS then
    local start = math.max(now, updated)
    reply = {"0", fmt(now), fmt(start + (1 - level) * restore), fmt(now), "empty", fmt(now)}
  else
    if level + allowance / restore > quota then
      level = quota - 1
      updated = math.max(updated, now + allowance)
    else
      level = level - 1
    end
    count(1)
    local full_at = math.max(now, updated) + (quota - 1 - level) * restore
    reply = {"1", fmt(now), fmt(now), fmt(token_at), "", fmt(full_at)}
  end
elseif op == "charge" then
  local calls = tonumber(ARGV[8])
  level = level - calls
  count(calls)
  reply = {fmt(now)}
elseif op == "arrived" then
  local taken_at, covered = tonumber(ARGV[8]), tonumber(ARGV[9])
  local late = (now - covered) / restore
  if late > 0 then level = level - math.min(1, late) end
  local taken_slot = math.floor(taken_at / slot_seconds)
  if taken_slot < slot and (slots[taken_slot] or 0) > 0 then
    slots[taken_slot] = slots[taken_slot] - 1
    used = used - 1
    if slots[taken_slot] == 0 then
      slots[taken_slot] = nil
      table.insert(dropped, "s" .. taken_slot)
    end
    count(1)
  end
  reply = {fmt(now)}
elseif op == "empty" then
  level = math.min(level, 0)
  reply = {fmt(now)}
elseif op == "block" then
  local untilv = tonumber(ARGV[8]) or (now + slot_seconds)
  blocked = math.max(blocked, untilv)
  reply = {fmt(now)}
elseif op == "learn" then
  local qmax, remaining, resets = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
  if qmax ~= nil and qmax > 0 then
    hourly_max = math.floor(qmax)
    limit = hourly_max
  end
  if remaining ~= nil and limit ~= nil then
    local unseen = math.ceil(limit - remaining - used - EPS)
    if unseen > 0 then
      local target = slot
      if resets ~= nil then target = math.floor(resets / slot_seconds + EPS) - WINDOW end
      target = math.min(slot, math.max(target, slot - WINDOW))
      slots[target] = (slots[target] or 0) + unseen
      used = used + unseen
      if newest == nil or target > newest then newest = target end
      if oldest == nil or target < oldest then oldest = target end
    end
  end
  reply = {fmt(now)}
elseif op == "view" then
  local next_at = now
  if level < 1 - EPS then next_at = math.max(now, updated) + (1 - level) * restore end
  if limit ~= nil and used >= limit then next_at = math.max(next_at, hourly_free_at()) end
  local blocked_out = ""
  if blocked > now then
    blocked_out = fmt(blocked)
    next_at = math.max(next_at, blocked)
  end
  local learned = ""
  if hourly_max > 0 then learned = tostring(hourly_max) end
  local known_out = "0"
  if known then known_out = "1" end
  -- A view changes nothing.
  return {fmt(now), fmt(level), known_out, learned, tostring(used), blocked_out, fmt(next_at)}
else
  return redis.error_reply("unknown bucket operation " .. op)
end

local fields = {"l", fmt(level), "u", fmt(updated), "b", fmt(blocked), "h", tostring(hourly_max)}
for s, n in pairs(slots) do
  table.insert(fields, "s" .. s)
  table.insert(fields, tostring(n))
end
redis.call("HSET", KEYS[1], unpack(fields))
if #dropped > 0 then redis.call("HDEL", KEYS[1], unpack(dropped)) end

-- Keep the state while it still matters; once the bucket is full again and its hourly slots
-- are gone, a missing key means exactly that.
local keep = math.max((quota - level) * restore, blocked - now, 0)
if newest ~= nil then keep = math.max(keep, (newest + WINDOW + 1) * slot_seconds - now) end
redis.call("PEXPIRE", KEYS[1], math.ceil((keep + 60) * 1000))
return reply
