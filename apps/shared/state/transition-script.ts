import { INDEX_LUA } from "./job-index-script";

/** Redis script: record one status event for a job, atomically (see comments inside). */
export const TRANSITION_LUA = `${INDEX_LUA}
-- Record one status event for a job, atomically.
-- The status only moves to a higher rank; history keeps each status once (first time seen).
-- A job missing from Redis (e.g. lost in a cache restart) is rebuilt from the event, unless
-- ARGV[9] is "0": "job submitted" never creates a job (the entrypoint does, and a missing
-- record means the submission was withdrawn after a failed publish).
-- Details (the field/value pairs) do not wait for the status: each field keeps the value of
-- the latest event that wrote it, latest by (rank, time), whatever order the events arrive
-- in. Its stamp "<rank> <at>" is stored beside it as "@<field>". A field without a stamp
-- (written before stamps existed) counts as written by the job's current status.
-- KEYS[1] job hash   KEYS[2] history hash   KEYS[3] all-jobs index (zset by creation time)
-- ARGV[1] status  ARGV[2] rank  ARGV[3] at (ISO)  ARGV[4] at (ms)  ARGV[5] status-index prefix
-- ARGV[6] job id  ARGV[7] namespace  ARGV[8] tenant  ARGV[9] create if missing ("1"/"0")
-- ARGV[10] name/label index prefix  ARGV[11] most label pairs indexed  ARGV[12..] detail field/value pairs
-- KEYS[3] and the index prefixes are the tenant's own: a tenant lists only its jobs.
-- A job created, or whose name or labels are written, is (re)indexed by name and label in the
-- same script (job-index-script.ts), so the indexes never miss or outlive what the record says.
-- Returns 3 created, 2 status changed, 1 only added to history, 0 duplicate, -1 unknown job
-- (details filled in by a late event do not change the code).
local status, rank, at, atMs, idxPrefix, id = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ix, maxValues = ARGV[10], tonumber(ARGV[11])
local created = false
local oldName, oldLabels = false, false
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[9] == '0' then return -1 end
  redis.call('HSET', KEYS[1], 'id', id, 'namespace', ARGV[7], 'tenant', ARGV[8], 'createdAt', at, 'status', status, 'rank', rank)
  redis.call('ZADD', KEYS[3], atMs, id)
  redis.call('ZADD', idxPrefix .. status, atMs, id)
  created = true
else
  oldName, oldLabels = redis.call('HGET', KEYS[1], 'name'), redis.call('HGET', KEYS[1], 'labels')
end
local reindex = created
local fresh = redis.call('HSETNX', KEYS[2], status, at)
local current = redis.call('HGET', KEYS[1], 'status')
local currentRank = tonumber(redis.call('HGET', KEYS[1], 'rank'))
local legacyStamp = currentRank .. ' ' .. (redis.call('HGET', KEYS[1], 'updatedAt') or '')
for i = 12, #ARGV - 1, 2 do
  local field = ARGV[i]
  local stamp = redis.call('HGET', KEYS[1], '@' .. field)
  if not stamp and redis.call('HEXISTS', KEYS[1], field) == 1 then stamp = legacyStamp end
  local later = true
  if stamp then
    local seenRank, seenAt = string.match(stamp, '^(%d+) (.*)$')
    seenRank = tonumber(seenRank)
    later = rank > seenRank or (rank == seenRank and at >= seenAt)
  end
  if later then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1], '@' .. field, rank .. ' ' .. at)
    if field == 'name' or field == 'labels' then reindex = true end
  end
end
if reindex then
  if not created then ixRemove(ix, id, oldName or '', ixLabels(oldLabels)) end
  local now = redis.call('HMGET', KEYS[1], 'name', 'labels')
  ixAdd(ix, id, redis.call('ZSCORE', KEYS[3], id) or atMs, now[1] or '', ixLabels(now[2]), maxValues)
end
if created or rank > currentRank then
  if current ~= status then
    local score = redis.call('ZSCORE', KEYS[3], id)
    redis.call('ZREM', idxPrefix .. current, id)
    redis.call('ZADD', idxPrefix .. status, score, id)
  end
  redis.call('HSET', KEYS[1], 'status', status, 'rank', rank, 'updatedAt', at)
  if created then return 3 end
  return 2
end
return fresh
`;
