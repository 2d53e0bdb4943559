import { describe, expect, it } from 'vitest';
import { createStore, type ResponseCache, type Store } from '../src/index.js';
import { manualClock, useStores } from './harness.js';
import { postgresBackend, redisUrl, sqliteBackend, uniqueName } from './services.js';

/** The exact response cache's storage on each backend: per owner, expiring, replaced in place. */
function defineCacheSuite(
  name: string,
  open: (now: () => number) => Promise<{ cache: ResponseCache; wait(ms: number): Promise<void> }>,
) {
  describe(`response cache (${name})`, () => {
    it("keeps an entry for its owner only: another owner's identical key is a miss", async () => {
      const { cache } = await open(Date.now);
      await cache.set('key:alice', 'digest-1', '{"answer":"hi"}', 60_000);
      expect(await cache.get('key:alice', 'digest-1')).toBe('{"answer":"hi"}');
      expect(await cache.get('key:bob', 'digest-1')).toBeUndefined();
      expect(await cache.get('key:alice', 'digest-2')).toBeUndefined();
    });

    it('replaces an entry written again', async () => {
      const { cache } = await open(Date.now);
      await cache.set('key:alice', 'digest-r', 'first', 60_000);
      await cache.set('key:alice', 'digest-r', 'second', 60_000);
      expect(await cache.get('key:alice', 'digest-r')).toBe('second');
    });

    it('an entry past its TTL is gone', async () => {
      const clock = manualClock(Date.now());
      const { cache, wait } = await open(clock.now);
      await cache.set('key:alice', 'digest-t', 'soon gone', 200);
      expect(await cache.get('key:alice', 'digest-t')).toBe('soon gone');
      clock.advance(1_000);
      await wait(400);
      expect(await cache.get('key:alice', 'digest-t')).toBeUndefined();
    });
  });
}

for (const backend of [sqliteBackend(), postgresBackend()]) {
  const stores = useStores(backend);
  defineCacheSuite(backend.name, async (now) => {
    const { store } = await stores.fresh({ now });
    expect(store.responseCache.kind).toBe('database');
    return { cache: store.responseCache, wait: async () => undefined };
  });

  describe(`response cache purge (${backend.name})`, () => {
    it('maintenance deletes expired entries', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      await store.responseCache.set('key:alice', 'old', 'x', 1_000);
      await store.responseCache.set('key:alice', 'new', 'y', 100_000);
      clock.advance(2_000);
      expect(await store.responseCache.purgeExpired()).toBe(1);
      expect(await store.responseCache.get('key:alice', 'new')).toBe('y');
    });
  });
}

describe('response cache on Redis', () => {
  const stores: Store[] = [];
  defineCacheSuite('redis', async () => {
    const store = createStore({
      dataDir: '/nonexistent-never-opened',
      redisUrl,
      redisPrefix: `${uniqueName('cache')}:`,
    });
    stores.push(store);
    expect(store.responseCache.kind).toBe('redis');
    // Redis expires entries on its own clock: the test waits for real.
    return { cache: store.responseCache, wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  });
  it('closes its connection with the store', async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
});
