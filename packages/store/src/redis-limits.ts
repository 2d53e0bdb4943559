import { randomUUID } from 'node:crypto';
import type { RateLimitDecision, SharedRateLimiter, SharedSemaphore } from '@exai/core';
import type { Redis } from 'ioredis';
import { keyPrefix, type RedisOptions, type RedisSource, redisCall, redisHandle } from './redis-connection.js';
import { acquireSlotScript, takeTokensScript } from './redis-scripts.js';

interface ScriptedRedis {
  exaiTakeTokens(key: string, capacity: number, refillPerMs: number, cost: number): Promise<[number, number, number]>;
  exaiAcquireSlot(key: string, limit: number, ttlMs: number, token: string): Promise<number>;
}

/** Registers the scripts once per client; ioredis sends EVALSHA and falls back to EVAL. */
function scripted(client: Redis): ScriptedRedis {
  const withScripts = client as Redis & Partial<ScriptedRedis>;
  if (!withScripts.exaiTakeTokens) client.defineCommand('exaiTakeTokens', { numberOfKeys: 1, lua: takeTokensScript });
  if (!withScripts.exaiAcquireSlot) client.defineCommand('exaiAcquireSlot', { numberOfKeys: 1, lua: acquireSlotScript });
  return client as unknown as ScriptedRedis;
}

export interface RedisRateLimiter extends SharedRateLimiter {
  close(): Promise<void>;
}

/** A token bucket per key, updated atomically by one Lua script: holds across instances. */
export function createRedisRateLimiter(source: RedisSource, options: RedisOptions = {}): RedisRateLimiter {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  return {
    async take(key, { capacity, refillPerSecond, cost = 1 }): Promise<RateLimitDecision> {
      const client = scripted(await handle.client());
      const [allowed, remaining, retry] = await redisCall(() => client.exaiTakeTokens(`${prefix}rate:${key}`, capacity, refillPerSecond / 1000, cost));
      return {
        allowed: allowed === 1,
        remaining: Number(remaining),
        retryAfterMs: retry < 0 ? Number.POSITIVE_INFINITY : Number(retry),
      };
    },
    close: () => handle.close(),
  };
}

export interface RedisSemaphore extends SharedSemaphore {
  close(): Promise<void>;
}

/**
 * Concurrency slots per key in a sorted set scored by expiry: a Lua script drops expired holders,
 * counts, and adds. A crashed holder's slot frees itself after `ttlMs`.
 */
export function createRedisSemaphore(source: RedisSource, options: RedisOptions = {}): RedisSemaphore {
  const handle = redisHandle(source, options);
  const prefix = keyPrefix(options);
  return {
    async tryAcquire(key, limit, ttlMs) {
      const connection = await handle.client();
      const client = scripted(connection);
      const setKey = `${prefix}semaphore:${key}`;
      const token = randomUUID();
      const taken = await redisCall(() => client.exaiAcquireSlot(setKey, limit, Math.max(1, Math.ceil(ttlMs)), token));
      if (taken !== 1) return undefined;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await redisCall(() => connection.zrem(setKey, token));
      };
    },
    close: () => handle.close(),
  };
}
