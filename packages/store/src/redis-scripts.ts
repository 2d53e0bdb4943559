/**
 * Lua scripts run atomically inside Redis. Both read the clock with TIME, so every instance
 * agrees on time whatever its own clock says.
 */

/** KEYS[1] bucket; ARGV capacity, refill per millisecond, cost. Returns {allowed, remaining, retryAfterMs (-1: never)}. */
export const takeTokensScript = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * refill)
  at = now
end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
elseif refill > 0 then
  retry = math.ceil((cost - tokens) / refill)
else
  retry = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
if refill > 0 then
  redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill) + 1000)
end
return { allowed, math.floor(tokens), retry }
`;

/** KEYS[1] sorted set of holders scored by expiry; ARGV limit, ttlMs, token. Returns 1 when taken. */
export const acquireSlotScript = `
local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
`;
