import { BadRequestError, NetworkError, OverloadedError, RateLimitedError, ServerError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { advance, FAST, failingTask, isCircuitOpen, registriesPerTest, rejection } from '../test/helpers.js';
import type { BreakerRegistry } from './index.js';
import { modelBreakerKey } from './index.js';

// Fake timers: the probe schedule is asserted exactly, whatever the machine's load.
const newRegistry = registriesPerTest({ fakeTimers: true });
let registry: BreakerRegistry;

async function trip(key: string, error: () => unknown = () => new OverloadedError({ provider: 'glm' })) {
  const breaker = registry.get(key);
  const task = failingTask(error);
  for (let call = 0; call < FAST.volumeThreshold; call++) await rejection(breaker.execute(task));
  return breaker;
}

const waitOf = (key: string) => {
  const snapshot = registry.snapshot().find((breaker) => breaker.key === key);
  return (snapshot?.nextAttemptAt ?? 0) - (snapshot?.openedAt ?? 0);
};

describe('the half-open probe schedule', () => {
  it('starts at firstProbeMs, doubles while probes fail, stops at resetTimeoutMs, restarts after a close', async () => {
    registry = newRegistry({ defaults: { ...FAST, firstProbeMs: 1_000, resetTimeoutMs: 6_000 } });
    const breaker = await trip('glm');
    expect(breaker.state).toBe('open');
    const waits: number[] = [];
    for (let probe = 0; probe < 5; probe++) {
      const wait = waitOf('glm');
      waits.push(wait);
      await advance(wait - 10);
      expect(breaker.state).toBe('open');
      await advance(20);
      expect(breaker.state).toBe('half_open');
      await rejection(breaker.execute(failingTask()));
      expect(breaker.state).toBe('open');
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 6_000, 6_000]);
    await advance(6_010);
    await expect(breaker.execute(async () => 'back')).resolves.toBe('back');
    expect(breaker.state).toBe('closed');
    await trip('glm');
    expect(waitOf('glm')).toBe(1_000);
  });

  it('a refusal during a probe tells the caller the wait that follows a failed probe', async () => {
    registry = newRegistry({ defaults: { ...FAST, firstProbeMs: 1_000, resetTimeoutMs: 6_000 } });
    const breaker = await trip('glm');
    await advance(1_010);
    let finish!: () => void;
    const probe = breaker.execute(() => new Promise<void>((resolve) => (finish = resolve)));
    const refused = await rejection(breaker.execute(async () => 'second'));
    expect(isCircuitOpen(refused) && refused.retryAfterMs).toBe(2_000);
    finish();
    await probe;
  });
});

describe('a scoped registry: breakers where the fault is', () => {
  it('a 429 storm on one model opens that model only; the provider and its other models serve', async () => {
    registry = newRegistry({ defaults: FAST, scoped: true });
    const storm = await trip('glm/a', () => new RateLimitedError({ provider: 'glm', model: 'a' }));
    expect(storm.state).toBe('open');
    expect(registry.get('glm').state).toBe('closed');
    await expect(registry.get('glm/b').execute(async () => 'b serves')).resolves.toBe('b serves');
    expect(registry.snapshot().find((breaker) => breaker.key === 'glm/a')).toMatchObject({
      scope: 'model',
      provider: 'glm',
      model: 'a',
      state: 'open',
    });
  });

  it('network and 5xx faults open the provider key; model keys do not count them', async () => {
    registry = newRegistry({ defaults: FAST, scoped: true });
    const provider = await trip('glm', () => new NetworkError({ provider: 'glm' }));
    expect(provider.state).toBe('open');
    expect(registry.snapshot()[0]).toMatchObject({ key: 'glm', scope: 'provider', state: 'open' });
    const model = await trip('glm/a', () => new ServerError({ provider: 'glm' }));
    expect(model.state).toBe('closed');
    const clientErrors = await trip('glm/b', () => new BadRequestError());
    expect(clientErrors.state).toBe('closed');
  });

  it('a 429 with Retry-After holds the model for that long and does not count toward opening', async () => {
    registry = newRegistry({ defaults: FAST, scoped: true });
    const breaker = registry.get('glm/a');
    const limited = failingTask(() => new RateLimitedError({ provider: 'glm', model: 'a', retryAfterMs: 2_000 }));
    await rejection(breaker.execute(limited));
    expect(breaker.state).toBe('open');
    const refused = await rejection(breaker.execute(limited));
    expect(isCircuitOpen(refused) && refused.retryAfterMs).toBeGreaterThan(1_900);
    expect(limited.calls).toBe(1);
    expect(registry.snapshot()[0]?.heldUntil).toBeGreaterThan(Date.now());
    for (let call = 0; call < FAST.volumeThreshold * 2; call++) {
      await advance(2_001);
      await rejection(breaker.execute(limited));
    }
    expect(limited.calls).toBe(1 + FAST.volumeThreshold * 2);
    expect(registry.snapshot()[0]?.failures).toBe(0);
    await advance(2_001);
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(async () => 'served')).resolves.toBe('served');
  });

  it('per provider key: each key of a model has its own breaker', async () => {
    registry = newRegistry({ defaults: FAST, scoped: true });
    expect(modelBreakerKey('glm', 'a')).toBe('glm/a');
    expect(modelBreakerKey('glm', 'a', 1, 2)).toBe('glm/a#2');
    await trip(modelBreakerKey('glm', 'a', 0, 2), () => new RateLimitedError({ provider: 'glm' }));
    const second = registry.get(modelBreakerKey('glm', 'a', 1, 2));
    expect(second).toMatchObject({ provider: 'glm', model: 'a', keyIndex: 2, state: 'closed' });
    expect(registry.get('glm/a#1').state).toBe('open');
  });
});
