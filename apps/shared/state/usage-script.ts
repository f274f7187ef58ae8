/**
 * Redis script: merge a job's pod usage records by pod uid. A record replaces the stored one
 * only if it ranks higher: an ended record ("1|endedAt") beats a running one ("0|observedAt"),
 * and a later observation beats an earlier one. So repeats, out-of-order delivery and several
 * appliers reporting the same pod converge on one record per pod; nothing is counted twice.
 * Unknown jobs are ignored; a job keeps at most ARGV[4] pods (beyond, new pods are dropped and
 * counted in the job's `usageDropped`).
 *
 * KEYS[1] job hash; KEYS[2] pods hash (uid -> record JSON); KEYS[3] ranks hash (uid -> rank);
 * KEYS[4] the tenant's jobs-with-usage zset (score: last activity, ms).
 * ARGV[1] job id; ARGV[2] activity ms; ARGV[3] rates JSON; ARGV[4] max pods;
 * then (uid, rank, record) triples. Returns the number of records stored.
 */
export const USAGE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local stored = 0
for i = 5, #ARGV, 3 do
  local uid, rank, record = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local old = redis.call('HGET', KEYS[3], uid)
  if not old and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[4]) then
    redis.call('HINCRBY', KEYS[1], 'usageDropped', 1)
  elseif not old or old < rank then
    redis.call('HSET', KEYS[3], uid, rank)
    redis.call('HSET', KEYS[2], uid, record)
    stored = stored + 1
  end
end
redis.call('HSET', KEYS[1], 'usageRates', ARGV[3])
redis.call('ZADD', KEYS[4], 'GT', ARGV[2], ARGV[1])
return stored
`;
