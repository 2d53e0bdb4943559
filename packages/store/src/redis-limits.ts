import { randomUUID } from 'node:crypto';
import type { RateLimitDecision, SharedRateLimiter, SharedSemaphore } from '@exai/core';
import { onRedis, type RedisBacked, type RedisOptions, type RedisSource } from './redis-connection.js';
import { scripted } from './redis-scripts.js';

export type RedisRateLimiter = SharedRateLimiter & RedisBacked;

/** A token bucket per key, updated atomically by one Lua script: holds across instances. */
export function createRedisRateLimiter(source: RedisSource, options: RedisOptions = {}): RedisRateLimiter {
  return onRedis(source, options, (handle, prefix) => ({
    async take(key, { capacity, refillPerSecond, cost = 1 }): Promise<RateLimitDecision> {
      const [allowed, remaining, retry] = await handle.call((client) =>
        scripted(client).exaiTakeTokens(`${prefix}rate:${key}`, capacity, refillPerSecond / 1000, cost),
      );
      return {
        allowed: allowed === 1,
        remaining: Number(remaining),
        retryAfterMs: retry < 0 ? Number.POSITIVE_INFINITY : Number(retry),
      };
    },
  }));
}

export type RedisSemaphore = SharedSemaphore & RedisBacked;

/**
 * Concurrency slots per key in a sorted set scored by expiry: a Lua script drops expired holders,
 * counts, and adds. A crashed holder's slot frees itself after `ttlMs`.
 */
export function createRedisSemaphore(source: RedisSource, options: RedisOptions = {}): RedisSemaphore {
  return onRedis(source, options, (handle, prefix) => ({
    async tryAcquire(key, limit, ttlMs) {
      const setKey = `${prefix}semaphore:${key}`;
      const token = randomUUID();
      const taken = await handle.call((client) =>
        scripted(client).exaiAcquireSlot(setKey, limit, Math.max(1, Math.ceil(ttlMs)), token),
      );
      if (taken !== 1) return undefined;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await handle.call((client) => client.zrem(setKey, token));
      };
    },
  }));
}
