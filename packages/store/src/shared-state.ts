import { type Logger, type SharedRateLimiter, type SharedSemaphore, StoreUnavailableError } from '@exai/core';
import {
  createMemoryRateLimiter,
  createMemorySemaphore,
  createMemorySharedBreakerState,
} from './memory-shared-state.js';
import { createRedisSharedBreakerState } from './redis-breaker-state.js';
import { createRedisHealth } from './redis-connection.js';
import { createRedisRateLimiter, createRedisSemaphore } from './redis-limits.js';
import type { SharedState } from './types.js';

export interface SharedStateOptions {
  /** With a URL, state is shared through Redis; without, it lives in this process. */
  redisUrl?: string;
  /** Default `exai:`. */
  prefix?: string;
  logger?: Logger;
}

/**
 * The shared-state set for a configuration: Redis when `redisUrl` is set, in-process otherwise.
 * With Redis, every part fails open to this instance's own state while Redis is unavailable (a
 * command times out or the connection is down): rate limits and provider slots are counted per
 * instance, breakers decide on their own evidence. The outage is logged once, and its end too.
 */
export function createSharedState(options: SharedStateOptions = {}): SharedState {
  if (!options.redisUrl) {
    return {
      kind: 'memory',
      breakers: createMemorySharedBreakerState(),
      rateLimiter: createMemoryRateLimiter(),
      semaphore: createMemorySemaphore(),
      close: async () => undefined,
    };
  }
  const redisOptions = {
    prefix: options.prefix ?? 'exai:',
    health: createRedisHealth(options.logger),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const breakers = createRedisSharedBreakerState(options.redisUrl, redisOptions);
  const rateLimiter = createRedisRateLimiter(options.redisUrl, redisOptions);
  const semaphore = createRedisSemaphore(options.redisUrl, redisOptions);
  return {
    kind: 'redis',
    breakers,
    rateLimiter: rateLimitsFallingBack(rateLimiter, createMemoryRateLimiter()),
    semaphore: slotsFallingBack(semaphore, createMemorySemaphore()),
    async close() {
      await Promise.all([breakers.close(), rateLimiter.close(), semaphore.close()]);
    },
  };
}

const unavailable = (error: unknown) => StoreUnavailableError.isInstance(error);

/** Fail-open: while Redis is unavailable a key's limit is enforced by this instance alone. */
function rateLimitsFallingBack(shared: SharedRateLimiter, local: SharedRateLimiter): SharedRateLimiter {
  return {
    async take(key, options) {
      try {
        return await shared.take(key, options);
      } catch (error) {
        if (!unavailable(error)) throw error;
        return local.take(key, options);
      }
    },
  };
}

/**
 * Fail-open to a per-instance limit: while Redis is unavailable each instance allows `limit` calls
 * to a provider, so the fleet may exceed it by the number of instances (the provider's 429s then
 * reach the breakers). A Redis slot that cannot be released expires after its TTL.
 */
function slotsFallingBack(shared: SharedSemaphore, local: SharedSemaphore): SharedSemaphore {
  return {
    async tryAcquire(key, limit, ttlMs) {
      let release: (() => Promise<void>) | undefined;
      try {
        release = await shared.tryAcquire(key, limit, ttlMs);
      } catch (error) {
        if (!unavailable(error)) throw error;
        return local.tryAcquire(key, limit, ttlMs);
      }
      if (release === undefined) return undefined;
      const taken = release;
      return async () => {
        await taken().catch((error: unknown) => {
          if (!unavailable(error)) throw error;
        });
      };
    },
  };
}
