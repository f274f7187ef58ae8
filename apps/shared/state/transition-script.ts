/** Redis script: record one status event for a job, atomically (see comments inside). */
export const TRANSITION_LUA = `
-- Record one status event for a job, atomically.
-- The status only moves to a higher rank; history keeps each status once (first time seen).
-- A job missing from Redis (e.g. lost in a cache restart) is rebuilt from the event, unless
-- ARGV[9] is "0": "job submitted" never creates a job (the entrypoint does, and a missing
-- record means the submission was withdrawn after a failed publish).
-- KEYS[1] job hash   KEYS[2] history hash   KEYS[3] all-jobs index (zset by creation time)
-- ARGV[1] status  ARGV[2] rank  ARGV[3] at (ISO)  ARGV[4] at (ms)  ARGV[5] status-index prefix
-- ARGV[6] job id  ARGV[7] namespace  ARGV[8] tenant  ARGV[9] create if missing ("1"/"0")
-- ARGV[10..] extra field/value pairs to set on change
-- KEYS[3] and the status-index prefix are the tenant's own: a tenant lists only its jobs.
-- Returns 3 created, 2 status changed, 1 only added to history, 0 duplicate, -1 unknown job.
local status, rank, at, atMs, idxPrefix, id = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local created = false
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[9] == '0' then return -1 end
  redis.call('HSET', KEYS[1], 'id', id, 'namespace', ARGV[7], 'tenant', ARGV[8], 'createdAt', at, 'status', status, 'rank', rank)
  redis.call('ZADD', KEYS[3], atMs, id)
  redis.call('ZADD', idxPrefix .. status, atMs, id)
  created = true
end
local fresh = redis.call('HSETNX', KEYS[2], status, at)
local current = redis.call('HGET', KEYS[1], 'status')
if created or rank > tonumber(redis.call('HGET', KEYS[1], 'rank')) then
  if current ~= status then
    local score = redis.call('ZSCORE', KEYS[3], id)
    redis.call('ZREM', idxPrefix .. current, id)
    redis.call('ZADD', idxPrefix .. status, score, id)
  end
  redis.call('HSET', KEYS[1], 'status', status, 'rank', rank, 'updatedAt', at)
  if #ARGV >= 10 then redis.call('HSET', KEYS[1], unpack(ARGV, 10)) end
  if created then return 3 end
  return 2
end
return fresh
`;
