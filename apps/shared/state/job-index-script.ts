/**
 * The tenant's name and label indexes, kept by the same scripts that write a job's record
 * (transition-script.ts creates and re-labels, job-repository.ts removes), so a job and its index
 * entries never disagree. Under the tenant's index prefix `ix` (`…tenant:<t>:jobs:ix:`):
 * - `names`: one sorted set, every job once as `<name>\0<id>` (`\0<id>` for a job without a
 *   name), all at score 0, so ZRANGEBYLEX finds a name prefix and ZCARD counts indexed jobs;
 * - `label:<key>=<value>`: a sorted set per pair, the jobs carrying it scored by creation time in
 *   ms (as the all-jobs index), so it pages like the listing;
 * - `values`: the set of pairs that have a sorted set, at most the limit given (ARGV);
 * - `unindexed`: jobs with a pair that found `values` full, scored by creation time: label
 *   queries read it too and check its jobs one by one.
 * Every key starts with the stack's `{prefix}` hash tag, so on Redis Cluster they hash to the
 * slot of the keys the script declares; Redis 7.2 lets a script use undeclared keys of its own
 * slot (redis/redis@7.2.6:src/script.c, scriptVerifyClusterState). `cjson` is one of the
 * libraries Redis loads into every script (redis/redis@7.2.6:src/script_lua.c, luaLoadLibraries).
 */
export const INDEX_LUA = `
local function ixLabels(json)
  if not json then return {} end
  local ok, t = pcall(cjson.decode, json)
  if not ok or type(t) ~= 'table' then return {} end
  return t
end
local function ixRemove(ix, id, name, labels)
  redis.call('ZREM', ix .. 'names', name .. '\\0' .. id)
  redis.call('ZREM', ix .. 'unindexed', id)
  for k, v in pairs(labels) do
    if type(v) == 'string' then
      local pair = k .. '=' .. v
      redis.call('ZREM', ix .. 'label:' .. pair, id)
      if redis.call('EXISTS', ix .. 'label:' .. pair) == 0 then redis.call('SREM', ix .. 'values', pair) end
    end
  end
end
local function ixAdd(ix, id, ms, name, labels, maxValues)
  redis.call('ZADD', ix .. 'names', 0, name .. '\\0' .. id)
  for k, v in pairs(labels) do
    if type(v) == 'string' then
      local pair = k .. '=' .. v
      if redis.call('SISMEMBER', ix .. 'values', pair) == 1 or redis.call('SCARD', ix .. 'values') < maxValues then
        redis.call('SADD', ix .. 'values', pair)
        redis.call('ZADD', ix .. 'label:' .. pair, ms, id)
      else
        redis.call('ZADD', ix .. 'unindexed', ms, id)
      end
    end
  end
end
`;

/**
 * Redis script: index up to ARGV[4] of a tenant's jobs, oldest first, from where the last call
 * stopped (kept in `ix` .. 'backfill' as "<score> <id>", the last job indexed; without it, from
 * the oldest): for jobs recorded before the indexes existed, or by an older version during a
 * rolling update. Indexing is idempotent, so jobs already indexed, and calls from several
 * replicas at once, change nothing. Bounded: one call indexes at most ARGV[4] jobs.
 * KEYS[1] the tenant's all-jobs index. ARGV[1] job-hash key prefix  ARGV[2] index prefix
 * ARGV[3] most label pairs indexed  ARGV[4] jobs to read.
 * Returns 1 when it reached the newest job, else 0.
 */
export const BACKFILL_LUA = `${INDEX_LUA}
local jobPrefix, ix, maxValues, count = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local stateKey = ix .. 'backfill'
local from = redis.call('GET', stateKey)
local entries = {}
if from then
  local score, last = string.match(from, '^(%S+) (.+)$')
  local same = redis.call('ZRANGE', KEYS[1], score, score, 'BYSCORE', 'WITHSCORES')
  for i = 1, #same, 2 do
    if same[i] > last then
      entries[#entries + 1] = same[i]
      entries[#entries + 1] = same[i + 1]
    end
  end
  local rest = redis.call('ZRANGE', KEYS[1], '(' .. score, '+inf', 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES')
  for i = 1, #rest do entries[#entries + 1] = rest[i] end
else
  entries = redis.call('ZRANGE', KEYS[1], '-inf', '+inf', 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES')
end
local read = 0
for i = 1, #entries, 2 do
  if read == count then break end
  local id, ms = entries[i], entries[i + 1]
  local f = redis.call('HMGET', jobPrefix .. id, 'name', 'labels')
  ixAdd(ix, id, ms, f[1] or '', ixLabels(f[2]), maxValues)
  read = read + 1
end
if read > 0 then redis.call('SET', stateKey, entries[2 * read] .. ' ' .. entries[2 * read - 1]) end
if read < count then return 1 end
return 0
`;
