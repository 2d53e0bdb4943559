import { afterEach, describe, expect, it } from 'vitest';
import { ask, collect, setup } from './helpers.js';

// The first-token limit of a stream comes from the model's tier unless the route, the model or
// `timeouts.firstTokenMs` sets it: a fast model fails over soon, a deep one may think long.

let env: Awaited<ReturnType<typeof setup>>;
afterEach(async () => env?.close());

const timeouts = (extra: Record<string, unknown> = {}) => ({
  requestMs: 10_000,
  attemptMs: 4_000,
  idleMs: 2_000,
  firstTokenByTierMs: { fast: 400, balanced: 30_000, deep: 6_000 },
  ...extra,
});

/** A stream of `model-a` (of `tier`) whose first token comes after 1.5 s, read to its end. */
async function slowFirstToken(tier: 'fast' | 'deep', overrides: Parameters<typeof setup>[0] = {}) {
  env = await setup({ timeouts: timeouts(), ...overrides }, { primaryTier: tier });
  env.sim.script('model-a', 'slow-first-token?ms=1500');
  const stream = env.engine.stream(ask('model-a'));
  const { error } = await collect(stream);
  return { meta: stream.meta, error };
}

describe('first-token limit by tier', () => {
  it('a fast model silent past its tier limit: the fallback streams', async () => {
    const { meta, error } = await slowFirstToken('fast');
    expect(error).toBeUndefined();
    expect(meta.provider).toBe('backup');
    expect(meta.attempts[0]?.outcome).toBe('timeout');
  });

  it('a deep model is waited for as long as its tier allows', async () => {
    const { meta, error } = await slowFirstToken('deep');
    expect(error).toBeUndefined();
    expect(meta.provider).toBe('primary');
  });

  it('the route overrides the tier', async () => {
    const { meta } = await slowFirstToken('fast', { routes: { 'model-a': { firstTokenMs: 5_000 } } });
    expect(meta.provider).toBe('primary');
  });
});
