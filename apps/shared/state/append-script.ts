/**
 * Redis script: append one event to the tenant's stream and the job's stream, once.
 * KEYS[1] tenant stream   KEYS[2] job stream   KEYS[3] the job's "already streamed" hash
 * ARGV[1] marker field    ARGV[2] marker value ARGV[3] compare: "num" | "str" | "once"
 * ARGV[4] event type      ARGV[5] event JSON   ARGV[6] tenant stream max length
 * ARGV[7] job stream max length                ARGV[8] seconds the job's keys live after its last event
 * The event is dropped when the marker already holds a value at least as new (num/str) or
 * any value (once): redelivered and late events append nothing, so the stream only moves on.
 * The tenant stream's new id is reused in the job stream, so one event has one id on both
 * endpoints (the job's entries are a subset of the tenant's, so that id is always higher).
 * Returns the new id, or false when nothing was appended.
 */
export const APPEND_EVENT_LUA = `
local seen = redis.call('HGET', KEYS[3], ARGV[1])
if seen then
  if ARGV[3] == 'once' then return false end
  if ARGV[3] == 'num' and tonumber(seen) >= tonumber(ARGV[2]) then return false end
  if ARGV[3] == 'str' and seen >= ARGV[2] then return false end
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', 'type', ARGV[4], 'data', ARGV[5])
local ok = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], id, 'type', ARGV[4], 'data', ARGV[5])
if type(ok) == 'table' and ok.err then
  -- Only if the tenant stream was lost and recreated behind the job's: keep the event anyway.
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'type', ARGV[4], 'data', ARGV[5])
end
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('EXPIRE', KEYS[3], ARGV[8])
return id
`;
