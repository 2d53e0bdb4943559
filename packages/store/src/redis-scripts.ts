import type { Redis } from 'ioredis';

/**
 * Lua scripts run atomically inside Redis. They read the clock with TIME, so every instance
 * agrees on time whatever its own clock says.
 */

/**
 * KEYS[1] bucket; ARGV capacity, refill per millisecond, cost. Returns {allowed, remaining, retryAfterMs (-1: never)}.
 */
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

/**
 * KEYS[1] breaker record; ARGV record JSON, hold ms (-1: none), record TTL ms, channel, origin, breaker key.
 * Stamps the record with Redis's clock (`updatedAt`, and `until` = now + hold), stores it and publishes it.
 */
export const publishBreakerScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local record = cjson.decode(ARGV[1])
record.updatedAt = now
local hold = tonumber(ARGV[2])
if hold >= 0 then
  record['until'] = now + hold
end
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', tonumber(ARGV[3]))
redis.call('PUBLISH', ARGV[4], cjson.encode({ origin = ARGV[5], key = ARGV[6], record = record }))
return 1
`;

/**
 * KEYS[1] breaker record, KEYS[2] probe lock; ARGV token, lock TTL ms. Returns 1 when this caller takes
 * the fleet's one half-open probe: the open record's hold has ended on Redis's clock and no other
 * probe holds the lock.
 */
export const claimProbeScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local text = redis.call('GET', KEYS[1])
if text then
  local record = cjson.decode(text)
  if record.state == 'open' and record['until'] and tonumber(record['until']) > now then
    return 0
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then
  return 1
end
return 0
`;

/** KEYS[1] probe lock; ARGV token. Deletes the lock only when this caller still holds it. */
export const releaseProbeScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * KEYS[1] spend counter; ARGV limit, amount, TTL ms, seed ('' for none). Adds `amount` only while the
 * counter is under `limit`. An absent counter is created from `seed`; without one the answer is
 * {-1, '0'} (the caller reads the database and asks again). Returns {allowed, spent} (spent as text).
 */
export const reserveSpendScript = `
local current = redis.call('GET', KEYS[1])
if not current then
  if ARGV[4] == '' then
    return { -1, '0' }
  end
  redis.call('SET', KEYS[1], ARGV[4], 'PX', tonumber(ARGV[3]))
  current = ARGV[4]
end
if tonumber(current) >= tonumber(ARGV[1]) then
  return { 0, current }
end
local spent = redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return { 1, spent }
`;

/** KEYS[1] spend counter; ARGV delta. Adds to a counter that exists (an absent one is seeded on next use). */
export const addSpendScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
end
return false
`;

export interface ScriptedRedis {
  exaiReserveSpend(key: string, limit: string, amount: string, ttlMs: number, seed: string): Promise<[number, string]>;
  exaiAddSpend(key: string, delta: string): Promise<string | null>;
  exaiTakeTokens(key: string, capacity: number, refillPerMs: number, cost: number): Promise<[number, number, number]>;
  exaiAcquireSlot(key: string, limit: number, ttlMs: number, token: string): Promise<number>;
  exaiPublishBreaker(
    key: string,
    record: string,
    holdMs: number,
    ttlMs: number,
    channel: string,
    origin: string,
    breakerKey: string,
  ): Promise<number>;
  exaiClaimProbe(recordKey: string, lockKey: string, token: string, ttlMs: number): Promise<number>;
  exaiReleaseProbe(lockKey: string, token: string): Promise<number>;
}

const scripts: Record<keyof ScriptedRedis, { numberOfKeys: number; lua: string }> = {
  exaiTakeTokens: { numberOfKeys: 1, lua: takeTokensScript },
  exaiAcquireSlot: { numberOfKeys: 1, lua: acquireSlotScript },
  exaiPublishBreaker: { numberOfKeys: 1, lua: publishBreakerScript },
  exaiClaimProbe: { numberOfKeys: 2, lua: claimProbeScript },
  exaiReleaseProbe: { numberOfKeys: 1, lua: releaseProbeScript },
  exaiReserveSpend: { numberOfKeys: 1, lua: reserveSpendScript },
  exaiAddSpend: { numberOfKeys: 1, lua: addSpendScript },
};

/** Registers the scripts once per client; ioredis sends EVALSHA and falls back to EVAL. */
export function scripted(client: Redis): ScriptedRedis {
  const withScripts = client as Redis & Partial<ScriptedRedis>;
  for (const [name, script] of Object.entries(scripts))
    if (!withScripts[name as keyof ScriptedRedis]) client.defineCommand(name, script);
  return client as unknown as ScriptedRedis;
}
