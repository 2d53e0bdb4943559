import { GatewayError, type SharedBreakerRecord } from '@exai/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createRedisRateLimiter,
  createRedisSemaphore,
  createRedisSharedBreakerState,
  createStore,
} from '../src/index.js';
import { connectRedis, redisUrl, uniqueName } from './services.js';

/** Two "instances" are two independent clients with the same prefix, as two gateway processes would be. */
describe('redis shared state', () => {
  const prefix = `${uniqueName('exai-test')}:`;
  let admin: Redis;
  let connecting: Promise<Redis> | undefined;
  const closers: Array<() => Promise<void>> = [];

  // In beforeEach (not beforeAll) so that with Redis down every test fails, none is skipped.
  beforeEach(async () => {
    connecting ??= connectRedis();
    admin = await connecting;
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    if (!admin) return;
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });
  const track = <T extends { close(): Promise<void> }>(value: T): T => {
    closers.push(() => value.close());
    return value;
  };

  it('an open breaker published by one instance reaches another within a second', async () => {
    const publisher = track(createRedisSharedBreakerState(redisUrl, { prefix }));
    const listener = track(createRedisSharedBreakerState(redisUrl, { prefix }));
    const heard: Array<[string, SharedBreakerRecord]> = [];
    const ownEcho: string[] = [];
    listener.subscribe((key, record) => heard.push([key, record]));
    publisher.subscribe((key) => ownEcho.push(key));
    await Promise.all([listener.whenSubscribed(), publisher.whenSubscribed()]);
    const now = Date.now();
    const record: SharedBreakerRecord = { state: 'open', until: now + 15_000, instance: 'a', updatedAt: now };
    const publishedAt = Date.now();
    await publisher.publish('glm:glm-4.6', record);
    await expect.poll(() => heard.length, { timeout: 1_000, interval: 10 }).toBe(1);
    expect(Date.now() - publishedAt).toBeLessThan(1_000);
    const [key, heardRecord] = heard[0]!;
    expect(key).toBe('glm:glm-4.6');
    expect(heardRecord).toMatchObject({ state: 'open', instance: 'a' });
    expect(heardRecord.until! - heardRecord.updatedAt).toBe(15_000); // the hold, stamped on Redis's clock
    expect(await listener.get('glm:glm-4.6')).toEqual(heardRecord);
    expect(await listener.get('kimi:k2')).toBeUndefined();
    expect(ownEcho).toEqual([]); // an instance does not hear itself
  });

  it('one probe per hold: the claim waits for the hold on Redis’s clock, then goes to exactly one caller', async () => {
    const first = track(createRedisSharedBreakerState(redisUrl, { prefix }));
    const second = track(createRedisSharedBreakerState(redisUrl, { prefix }));
    // The publisher's clock is a minute slow; the hold still lasts 400 ms from when Redis stored it.
    const skewed = Date.now() - 60_000;
    await first.publish('probe:k', { state: 'open', until: skewed + 400, instance: 'a', updatedAt: skewed });
    expect(await second.claimProbe('probe:k', 5_000)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const claims = await Promise.all([first, second, first, second].map((state) => state.claimProbe('probe:k', 5_000)));
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    expect(await second.claimProbe('probe:k', 5_000)).toBeUndefined(); // still running
    await claims.find((claim) => claim !== undefined)!();
    const next = await second.claimProbe('probe:k', 100);
    expect(next).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 200)); // an unreleased claim (a crashed prober) expires
    expect(await first.claimProbe('probe:k', 5_000)).toBeDefined();
  });

  it('the rate limiter holds across two clients', async () => {
    const first = track(createRedisRateLimiter(redisUrl, { prefix }));
    const second = track(createRedisRateLimiter(redisUrl, { prefix }));
    const options = { capacity: 5, refillPerSecond: 0.01 };
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, index) => (index % 2 ? first : second).take('provider:glm', options)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    const denied = decisions.find((decision) => !decision.allowed)!;
    expect(denied.remaining).toBe(0);
    expect(denied.retryAfterMs).toBeGreaterThan(10_000);
    expect((await first.take('provider:kimi', options)).allowed).toBe(true);
  });

  it('the rate limiter refills over time', async () => {
    const limiter = track(createRedisRateLimiter(redisUrl, { prefix }));
    // One token per 250 ms: slow enough that a loaded machine cannot refill between two calls.
    const options = { capacity: 1, refillPerSecond: 4 };
    expect((await limiter.take('refill', options)).allowed).toBe(true);
    const denied = await limiter.take('refill', options);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(250);
    await new Promise((resolve) => setTimeout(resolve, denied.retryAfterMs + 30));
    expect((await limiter.take('refill', options)).allowed).toBe(true);
  });

  it('the semaphore never lets more than its limit hold a slot across two clients', async () => {
    const clients = [
      track(createRedisSemaphore(redisUrl, { prefix })),
      track(createRedisSemaphore(redisUrl, { prefix })),
    ];
    const limit = 3;
    let holding = 0;
    let most = 0;
    let acquired = 0;
    const worker = async (index: number) => {
      for (let round = 0; round < 8; round += 1) {
        const release = await clients[index % 2]!.tryAcquire('provider:kimi', limit, 5_000);
        if (!release) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        acquired += 1;
        holding += 1;
        most = Math.max(most, holding);
        await new Promise((resolve) => setTimeout(resolve, 5));
        holding -= 1;
        await release();
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, index) => worker(index)));
    expect(most).toBe(limit);
    expect(acquired).toBeGreaterThan(limit);
  });

  it('a slot that is never released frees itself after its ttl', async () => {
    const semaphore = track(createRedisSemaphore(redisUrl, { prefix }));
    expect(await semaphore.tryAcquire('crashed-holder', 1, 60)).toBeDefined();
    expect(await semaphore.tryAcquire('crashed-holder', 1, 60)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 90));
    const release = await semaphore.tryAcquire('crashed-holder', 1, 60);
    expect(release).toBeDefined();
    await release!();
  });

  it('an unreachable Redis is a StoreUnavailableError, not a hang', async () => {
    const limiter = track(createRedisRateLimiter('redis://127.0.0.1:1', { prefix }));
    const started = Date.now();
    const error = await limiter.take('x', { capacity: 1, refillPerSecond: 1 }).catch((caught: unknown) => caught);
    expect(GatewayError.isInstance(error) && error.code).toBe('store_unavailable');
    expect((error as Error).message).toMatch(/store \(Redis\) is unavailable/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('store.shared uses Redis when redisUrl is set', async () => {
    const store = createStore({ dataDir: '/nonexistent/never-opened', redisUrl, redisPrefix: prefix });
    closers.push(() => store.close());
    expect(store.shared.kind).toBe('redis');
    const release = await store.shared.semaphore.tryAcquire('via-store', 1, 1_000);
    expect(await admin.zcard(`${prefix}semaphore:via-store`)).toBe(1);
    await release!();
    expect(await admin.zcard(`${prefix}semaphore:via-store`)).toBe(0);
  });
});
