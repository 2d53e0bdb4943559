import type { RateLimitDecision, SharedRateLimiter, SharedSemaphore } from '@exai/core';

/** In-process versions of the shared-state seams, for a single instance without Redis. */

export interface MemoryOptions {
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

export function createMemoryRateLimiter(options: MemoryOptions = {}): SharedRateLimiter {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key, { capacity, refillPerSecond, cost = 1 }): Promise<RateLimitDecision> {
      const time = now();
      const refillPerMs = refillPerSecond / 1000;
      const bucket = buckets.get(key) ?? { tokens: capacity, at: time };
      if (time > bucket.at) {
        bucket.tokens = Math.min(capacity, bucket.tokens + (time - bucket.at) * refillPerMs);
        bucket.at = time;
      }
      let decision: RateLimitDecision;
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        decision = { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
      } else {
        const retryAfterMs =
          refillPerMs > 0 ? Math.ceil((cost - bucket.tokens) / refillPerMs) : Number.POSITIVE_INFINITY;
        decision = { allowed: false, remaining: Math.floor(bucket.tokens), retryAfterMs };
      }
      buckets.set(key, bucket);
      return decision;
    },
  };
}

export function createMemorySemaphore(options: MemoryOptions = {}): SharedSemaphore {
  const now = options.now ?? Date.now;
  const holders = new Map<string, Map<symbol, number>>();
  return {
    async tryAcquire(key, limit, ttlMs) {
      const time = now();
      const slots = holders.get(key) ?? new Map<symbol, number>();
      for (const [token, expiresAt] of slots) if (expiresAt <= time) slots.delete(token);
      if (slots.size >= limit) return undefined;
      const token = Symbol(key);
      slots.set(token, time + ttlMs);
      holders.set(key, slots);
      return async () => {
        slots.delete(token);
        if (slots.size === 0 && holders.get(key) === slots) holders.delete(key);
      };
    },
  };
}

export { createMemorySharedBreakerState } from '@exai/core';
