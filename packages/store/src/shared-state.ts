import type { Logger } from '@exai/core';
import { createMemoryRateLimiter, createMemorySemaphore, createMemorySharedBreakerState } from './memory-shared-state.js';
import { createRedisSharedBreakerState } from './redis-breaker-state.js';
import { createRedisRateLimiter, createRedisSemaphore } from './redis-limits.js';
import type { SharedState } from './types.js';

export interface SharedStateOptions {
  /** With a URL, state is shared through Redis; without, it lives in this process. */
  redisUrl?: string;
  /** Default `exai:`. */
  prefix?: string;
  logger?: Logger;
}

/** The shared-state set for a configuration: Redis when `redisUrl` is set, in-process otherwise. */
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
  const redisOptions = { prefix: options.prefix ?? 'exai:', ...(options.logger ? { logger: options.logger } : {}) };
  const breakers = createRedisSharedBreakerState(options.redisUrl, redisOptions);
  const rateLimiter = createRedisRateLimiter(options.redisUrl, redisOptions);
  const semaphore = createRedisSemaphore(options.redisUrl, redisOptions);
  return {
    kind: 'redis',
    breakers,
    rateLimiter,
    semaphore,
    async close() {
      await Promise.all([breakers.close(), rateLimiter.close(), semaphore.close()]);
    },
  };
}
