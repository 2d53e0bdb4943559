import { GatewayError } from '@exai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, hits, setup } from './helpers.js';

// Breakers where the fault is (decision 0022), against the provider simulator: `backup` serves two
// models (`model-b`, `model-big`); `model-a` on `primary` falls back to `backup/model-b`.
let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (GatewayError.isInstance(error) ? error.code : String(error)),
  );
const breakerOf = (key: string) => env.engine.status().breakers.find((breaker) => breaker.key === key);

describe('breakers where the fault is', () => {
  it("a 429 storm on one model opens that model's breaker only: the provider's other model keeps serving", async () => {
    env = await setup();
    env.sim.script('model-b', 'http-429?retry_after=none');
    expect(await failure(env.engine.chat(ask('backup/model-b')))).toBe('rate_limited');
    expect(await failure(env.engine.chat(ask('backup/model-b')))).toBe('circuit_open');
    const stormHits = hits(env.sim, 'model-b').length;
    expect(await failure(env.engine.chat(ask('backup/model-b')))).toBe('circuit_open');
    expect(hits(env.sim, 'model-b')).toHaveLength(stormHits); // refused without a call

    const other = await env.engine.chat(ask('backup/model-big'));
    expect(other).toMatchObject({ provider: 'backup', model: 'model-big' });
    expect(breakerOf('backup/model-b')).toMatchObject({ scope: 'model', provider: 'backup', state: 'open' });
    expect(breakerOf('backup/model-big')).toMatchObject({ scope: 'model', state: 'closed' });
    expect(breakerOf('backup')).toMatchObject({ scope: 'provider', state: 'closed' });
    const backup = env.engine.status().providers.find((provider) => provider.id === 'backup');
    expect(backup).toMatchObject({ breaker: 'closed', models: [{ model: 'model-b', state: 'open' }] });
  });

  it('a provider-level fault (connection reset) opens the provider: none of its models is called', async () => {
    env = await setup();
    env.sim.script('model-b', 'reset-before-headers');
    expect(await failure(env.engine.chat(ask('backup/model-b')))).toBe('network');
    expect(breakerOf('backup')).toMatchObject({ scope: 'provider', state: 'open' });
    expect(await failure(env.engine.chat(ask('backup/model-big')))).toBe('circuit_open');
    expect(hits(env.sim, 'model-big')).toHaveLength(0);
    expect(env.engine.status().providers.find((provider) => provider.id === 'backup')?.breaker).toBe('open');
    // The other provider is untouched.
    expect((await env.engine.chat(ask('model-a'))).provider).toBe('primary');
  });

  it('429 with Retry-After holds the model for that long, does not count toward opening, then the primary serves', async () => {
    env = await setup();
    // Three concurrent requests each get one 429 with `Retry-After: 1` (three failures would open the breaker).
    env.sim.script('model-a', 'fail-times?n=3&status=429');
    const first = Array.from({ length: 3 }, () => env.engine.chat(ask('model-a')));
    await expect.poll(() => hits(env.sim, 'model-a').filter((attempt) => attempt.status === 429).length).toBe(3);
    // While the hold lasts, a new request is not sent to the held model: the fallback serves it.
    const during = await env.engine.chat(ask('model-a'));
    expect(during.provider).toBe('backup');
    expect(hits(env.sim, 'model-a')).toHaveLength(3);
    const results = await Promise.all(first);
    expect(results.map((result) => result.provider)).toEqual(['primary', 'primary', 'primary']);
    for (const result of results)
      expect(result.exai.attempts.map((attempt) => attempt.outcome)).toEqual(['rate_limited', 'ok']);
    expect(breakerOf('primary/model-a')?.state).toBe('closed');
  });

  it('a flapping primary: served by the fallback while down, back on the primary within seconds of recovering', async () => {
    env = await setup({
      breaker: {
        volumeThreshold: 3,
        errorThresholdPercentage: 50,
        rollingWindowMs: 5_000,
        firstProbeMs: 200,
        resetTimeoutMs: 2_000,
      },
    });
    env.sim.script('model-a', 'http-503');
    const downUntil = Date.now() + 3_000;
    while (Date.now() < downUntil) {
      expect((await env.engine.chat(ask('model-a'))).provider).toBe('backup');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // Probes back off while it stays down (200, 400, 800, 1600 ms ...): a handful of calls, not one per request.
    expect(hits(env.sim, 'model-a').length).toBeLessThanOrEqual(10);
    env.sim.script('model-a', null);
    const recovered = Date.now();
    let provider = 'backup';
    while (provider !== 'primary' && Date.now() - recovered < 10_000) {
      provider = (await env.engine.chat(ask('model-a'))).provider;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(provider).toBe('primary');
    expect(Date.now() - recovered).toBeLessThan(8_000);
    expect((await env.engine.chat(ask('model-a'))).provider).toBe('primary');
  });

  it("per provider key: one key's breaker open leaves the model in service on the provider's other key", async () => {
    const multi = {
      kind: 'openai-compatible' as const,
      keys: ['sim-key-one', 'sim-key-two'],
      models: [{ id: 'model-k' }],
    };
    env = await setup((baseURL) => ({
      providers: { multi: { ...multi, baseURL } },
      fallbacks: {},
      retry: { maxAttempts: 1 },
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, rollingWindowMs: 5_000, resetTimeoutMs: 60_000 },
    }));
    const { sim, engine } = env;
    sim.script('model-k', 'http-429?retry_after=none');
    for (let index = 0; index < 2; index++) expect(await failure(engine.chat(ask('model-k')))).toBe('rate_limited');
    expect(breakerOf('multi/model-k#1')).toMatchObject({ scope: 'model', keyIndex: 1, state: 'open' });
    // The first key's breaker is open: the next request goes out on the second key, not refused.
    expect(await failure(engine.chat(ask('model-k')))).toBe('rate_limited');
    expect(hits(sim, 'model-k')).toHaveLength(3);
    expect(breakerOf('multi/model-k#2')).toMatchObject({ keyIndex: 2, state: 'closed' });
    sim.script('model-k', null);
    expect((await engine.chat(ask('model-k'))).provider).toBe('multi');
  });
});
