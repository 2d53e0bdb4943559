import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createMemorySemaphore, createMemorySharedBreakerState } from '../src/index.js';
import { manualClock } from './harness.js';

describe('in-process shared state', () => {
  it('the token bucket allows capacity, then refills at its rate', async () => {
    const clock = manualClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    const options = { capacity: 2, refillPerSecond: 4 };
    expect((await limiter.take('k', options)).allowed).toBe(true);
    expect(await limiter.take('k', options)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(await limiter.take('k', options)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 250 });
    clock.advance(250);
    expect((await limiter.take('k', options)).allowed).toBe(true);
    expect((await limiter.take('other', options)).allowed).toBe(true);
  });

  it('the semaphore holds at its limit, frees on release and after ttl', async () => {
    const clock = manualClock();
    const semaphore = createMemorySemaphore({ now: clock.now });
    const first = await semaphore.tryAcquire('p', 2, 1_000);
    const second = await semaphore.tryAcquire('p', 2, 1_000);
    expect(first && second).toBeDefined();
    expect(await semaphore.tryAcquire('p', 2, 1_000)).toBeUndefined();
    await first!();
    await first!();
    expect(await semaphore.tryAcquire('p', 2, 1_000)).toBeDefined();
    expect(await semaphore.tryAcquire('p', 2, 1_000)).toBeUndefined();
    clock.advance(1_000);
    expect(await semaphore.tryAcquire('p', 2, 1_000)).toBeDefined();
  });

  it('breaker records are kept per key', async () => {
    const state = createMemorySharedBreakerState();
    const record = { state: 'open' as const, until: 5, instance: 'me', updatedAt: 1 };
    await state.publish('a', record);
    expect(await state.get('a')).toEqual(record);
    expect(await state.get('b')).toBeUndefined();
  });
});
