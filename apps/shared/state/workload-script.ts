/**
 * Redis script: store a job's workload summary unless a newer one is already there (watch
 * events from several applier replicas may arrive in any order), or a final one (a Job that
 * Succeeded or Failed: what is seen after it, pods going, the Job deleted by its TTL, an
 * applier restarting and listing what is left, never replaces it). Unknown jobs are ignored.
 * KEYS[1] job hash; ARGV[1] observedAt (ISO, compares as text); ARGV[2] workload JSON;
 * ARGV[3] "1" when this summary is final.
 * Returns 1 stored, 0 ignored.
 */
export const WORKLOAD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'workloadFinal') == 1 then return 0 end
local seen = redis.call('HGET', KEYS[1], 'workloadAt')
if seen and seen >= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'workloadAt', ARGV[1], 'workload', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'workloadFinal', ARGV[1]) end
return 1
`;
