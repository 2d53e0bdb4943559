import type { Logger } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { everyone, manualClock, me, useStores } from './harness.js';
import { type Backend, redisUrl, uniqueName } from './services.js';

const DAY = 24 * 3600_000;

/** Maintenance: expired threads and old request-log rows go, on a timer, once per lock across instances. */
export function defineMaintenanceSuite(backend: Backend): void {
  describe(`maintenance (${backend.name})`, () => {
    const stores = useStores(backend);

    it('purgeRequests deletes requests older than the cutoff with their attempts, in batches, and keeps the rest', async () => {
      const clock = manualClock();
      const { store } = await stores.fresh({ now: clock.now });
      const old = clock.now() - 40 * DAY;
      const attempt = { provider: 'glm', model: 'glm-4.6', outcome: 'success', latencyMs: 1, startedAt: old };
      // More than one purge batch (1,000), so the batching loop is exercised.
      const batch = Array.from({ length: 1_203 }, (_, index) => ({
        request: { route: 'chat', status: 200, latencyMs: 1, createdAt: old + index },
        attempts: [attempt, attempt],
      }));
      await store.recordRequests(batch);
      const recent = await store.recordRequest(
        { route: 'chat', status: 200, latencyMs: 1, createdAt: clock.now() - DAY },
        [attempt],
      );
      expect(await store.purgeRequests(clock.now() - 30 * DAY)).toBe(1_203);
      const left = await store.listRequests(everyone, { limit: 10_000 });
      expect(left.map((request) => request.id)).toEqual([recent.id]);
      expect(left[0]?.attempts).toHaveLength(1);
      expect(await store.purgeRequests(clock.now() - 30 * DAY)).toBe(0);
    });

    it('a maintenance pass purges expired threads and request-log rows past retention; retention 0 keeps the log', async () => {
      const clock = manualClock();
      const { store, location } = await stores.fresh({
        now: clock.now,
        threadTtlMs: 1_000,
        requestLogRetentionMs: 30 * DAY,
      });
      const expired = await store.createThread(me, { title: 'expired' });
      await store.appendTurn(me, expired.id, { role: 'user', content: 'gone soon' });
      await store.recordRequest({ route: 'chat', status: 200, latencyMs: 1, createdAt: clock.now() - 31 * DAY });
      clock.advance(2_000);
      const live = await store.createThread(me, { title: 'live' });
      expect(await store.runMaintenance({ force: true })).toEqual({ threads: 1, requests: 1, skipped: false });
      expect((await store.listThreads(me)).map((thread) => thread.id)).toEqual([live.id]);
      expect(await store.listRequests(everyone)).toEqual([]);

      const keeper = stores.another(location, { now: clock.now, requestLogRetentionMs: 0 });
      await keeper.recordRequest({ route: 'chat', status: 200, latencyMs: 1, createdAt: clock.now() - 400 * DAY });
      expect(await keeper.runMaintenance({ force: true })).toMatchObject({ requests: 0 });
      expect(await keeper.listRequests(everyone)).toHaveLength(1);
    });

    it('the loop runs on its own after the jittered interval; close waits for it', async () => {
      const warnings: string[] = [];
      const logger = {
        info: () => undefined,
        warn: (_object: unknown, message: string) => warnings.push(message),
      } as unknown as Logger;
      const { store } = await stores.fresh({ maintenanceIntervalMs: 200, random: () => 0, logger });
      await store.recordRequest({ route: 'chat', status: 200, latencyMs: 1, createdAt: Date.now() - 31 * DAY });
      store.startMaintenance();
      store.startMaintenance(); // a second call does not start a second loop
      const deadline = Date.now() + 20_000;
      while ((await store.listRequests(everyone)).length > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.listRequests(everyone)).toEqual([]);
      await store.close();
      expect(warnings).toEqual([]);
    });

    it('instances sharing Redis take one lock: of two passes at once, one purges and the other skips', async () => {
      const redisPrefix = `${uniqueName('exai-maint')}:`;
      const { store, location } = await stores.fresh({ redisUrl, redisPrefix, maintenanceIntervalMs: 60_000 });
      const second = stores.another(location, { redisUrl, redisPrefix, maintenanceIntervalMs: 60_000 });
      const results = await Promise.all([store.runMaintenance(), second.runMaintenance()]);
      expect(results.map((result) => result.skipped).sort()).toEqual([false, true]);
      // `force` (an operator's explicit call) ignores the lock.
      expect(await second.runMaintenance({ force: true })).toMatchObject({ skipped: false });
    });
  });
}
