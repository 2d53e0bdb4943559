import { describe, expect, it } from 'vitest';
import { everyone, useStores } from './harness.js';
import { type Backend, redisUrl, uniqueName } from './services.js';

/** Keys with policies and the spend ledger, the same on every backend, with and without Redis. */
export function defineSpendSuite(backend: Backend): void {
  describe(`keys and spend (${backend.name})`, () => {
    const stores = useStores(backend);

    it('stores a key policy and filters keys by owner', async () => {
      const { store } = await stores.fresh();
      const created = await store.createApiKey('ci', {
        owner: 'team-a',
        models: ['gpt-5', 'glm'],
        rateLimit: 60,
        tokensPerMinute: 10_000,
        budget: { amount: 5, period: 'month', alertAt: 0.8 },
      });
      await store.createApiKey('other', { owner: 'team-b', admin: true });
      const record = await store.getApiKey(created.id);
      expect(record).toMatchObject({
        name: 'ci',
        owner: 'team-a',
        models: ['gpt-5', 'glm'],
        rateLimit: 60,
        tokensPerMinute: 10_000,
        budget: { amount: 5, period: 'month', alertAt: 0.8 },
        admin: false,
      });
      expect((await store.listApiKeys({ owner: 'team-a' })).map((key) => key.name)).toEqual(['ci']);
      expect(await store.getApiKey(created.id, { owner: 'team-b' })).toBeUndefined();
      expect(await store.revokeApiKey(created.id, { owner: 'team-b' })).toBe(false);
      expect(await store.revokeApiKey(created.id, { owner: 'team-a' })).toBe(true);
      expect(await store.verifyApiKey(created.key)).toBeUndefined();
    });

    for (const shared of [false, true]) {
      const label = shared ? 'through Redis' : 'in the database';
      const options = () => (shared ? { redisUrl, redisPrefix: `${uniqueName('exai-spend')}:` } : {});

      it(`reserves only while under the limit, settles to the real cost, survives a restart (${label})`, async () => {
        const extra = options();
        const { store, location } = await stores.fresh(extra);
        expect(await store.reserveSpend('key_a', 'total', 1, 0.4)).toEqual({ allowed: true, spent: 0.4 });
        await store.settleSpend('key_a', 'total', 0.4, 0.5);
        expect(await store.reserveSpend('key_a', 'total', 1, 0.4)).toMatchObject({ allowed: true });
        await store.settleSpend('key_a', 'total', 0.4, 0.6);
        const refused = await store.reserveSpend('key_a', 'total', 1, 0.4);
        expect(refused.allowed).toBe(false);
        expect(refused.spent).toBeCloseTo(1.1, 9);
        expect(await store.getSpend('key_a', 'total')).toBeCloseTo(1.1, 9);
        await store.close();
        // A new instance (and, for Redis, an empty counter) starts from the durable record.
        const again = stores.another(location, shared ? { redisUrl, redisPrefix: `${uniqueName('exai-spend')}:` } : {});
        expect(await again.getSpend('key_a', 'total')).toBeCloseTo(1.1, 9);
        expect((await again.reserveSpend('key_a', 'total', 1, 0.1)).allowed).toBe(false);
        expect((await again.reserveSpend('key_a', 'total', 2, 0.1)).allowed).toBe(true);
      });

      it(`admits concurrent reservations against one total (${label})`, async () => {
        const extra = options();
        const { store, location } = await stores.fresh(extra);
        const other = stores.another(location, extra);
        await store.ready();
        await other.ready();
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, index) => (index % 2 ? store : other).reserveSpend('key_b', 'day:x', 1, 0.1)),
        );
        // Admitted while under 1.0: ten reservations of 0.1 (floating sums may admit one more).
        const admitted = answers.filter((answer) => answer.allowed).length;
        expect(admitted).toBeGreaterThanOrEqual(10);
        expect(admitted).toBeLessThanOrEqual(11);
      });
    }

    it('sums attempt costs per key, provider and model', async () => {
      const { store } = await stores.fresh();
      const startedAt = Date.now();
      await store.recordRequests([
        {
          request: {
            route: 'r',
            status: 200,
            latencyMs: 1,
            apiKeyId: 'key_a',
            owner: 'acme',
            cost: 0.3,
            currency: 'USD',
          },
          attempts: [
            { provider: 'p', model: 'm', outcome: 'error', latencyMs: 1, startedAt, cost: 0 },
            { provider: 'q', model: 'n', outcome: 'success', latencyMs: 1, startedAt, cost: 0.3, cachedTokens: 5 },
          ],
        },
        {
          request: { route: 'r', status: 200, latencyMs: 1, apiKeyId: 'key_a', owner: 'acme', cost: 0.2 },
          attempts: [{ provider: 'q', model: 'n', outcome: 'success', latencyMs: 1, startedAt, cost: 0.2 }],
        },
        {
          request: { route: 'r', status: 200, latencyMs: 1, apiKeyId: 'key_b', cost: 1 },
          attempts: [{ provider: 'q', model: 'n', outcome: 'success', latencyMs: 1, startedAt, cost: 1 }],
        },
      ]);
      const rows = await store.spendSummary({ owner: 'acme' }, { since: 0 });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ apiKeyId: 'key_a', provider: 'q', model: 'n', attempts: 2, cachedTokens: 5 });
      expect(rows[0]!.cost).toBeCloseTo(0.5, 9);
      const [request] = await store.listRequests(everyone, { limit: 1 });
      expect(request?.currency === null || request?.currency === 'USD').toBe(true);
      expect((await store.spendSummary(everyone, { since: 0 })).length).toBe(3);
    });
  });
}
