import { describe, expect, it, vi } from 'vitest';
import { FAST, failingTask, isCircuitOpen, registriesPerTest, rejection } from '../test/helpers.js';
import type { BreakerRegistry } from './index.js';
import { createBreakerRegistry } from './index.js';

const newRegistry = registriesPerTest();
let registry: BreakerRegistry;

describe('volume threshold and rolling window', () => {
  it('stays closed below the volume threshold, opens at it, then fails fast without calling fn', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = registry.get('glm');
    const task = failingTask();
    for (let call = 0; call < 4; call++) await rejection(breaker.execute(task));
    expect(breaker.state).toBe('closed');
    expect(task.calls).toBe(4);

    const fifth = await rejection(breaker.execute(task));
    expect(isCircuitOpen(fifth)).toBe(false); // the fifth failure itself is passed through
    expect(breaker.state).toBe('open');

    const refused = await rejection(breaker.execute(task));
    expect(task.calls).toBe(5);
    expect(isCircuitOpen(refused)).toBe(true);
    if (!isCircuitOpen(refused)) return;
    expect(refused.provider).toBe('glm');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(FAST.resetTimeoutMs);
    const [snapshot] = registry.snapshot();
    expect(snapshot).toMatchObject({ key: 'glm', state: 'open', calls: 5, failures: 5, successes: 0, rejections: 1 });
    expect(snapshot?.nextAttemptAt).toBe((snapshot?.openedAt ?? 0) + FAST.resetTimeoutMs);
  });

  it('stays closed while failures are at or below the error percentage', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = registry.get('kimi');
    const task = failingTask();
    for (let round = 0; round < 4; round++) {
      await breaker.execute(async () => 'ok');
      await rejection(breaker.execute(task));
    }
    expect(breaker.state).toBe('closed'); // 4 of 8 = 50 %, not above 50 %
    await rejection(breaker.execute(task));
    expect(breaker.state).toBe('open'); // 5 of 9
  });

  it('forgets failures that have left the rolling window', async () => {
    vi.useFakeTimers(); // the window's buckets rotate on timers: move time instead of waiting for it
    registry = newRegistry({ defaults: { ...FAST, rollingWindowMs: 300, rollingWindowBuckets: 3 } });
    const breaker = registry.get('minimax');
    const task = failingTask();
    for (let call = 0; call < 4; call++) await rejection(breaker.execute(task));
    await vi.advanceTimersByTimeAsync(450);
    expect(registry.snapshot()[0]?.failures).toBe(0);
    for (let call = 0; call < 4; call++) await rejection(breaker.execute(task));
    expect(breaker.state).toBe('closed');
    expect(task.calls).toBe(8);
  });

  it('per-provider options by the provider part of a key; provider and model keys are separate breakers', async () => {
    registry = newRegistry({ defaults: FAST, perProvider: { glm: { volumeThreshold: 2 } } });
    const model = registry.get('glm/glm-4.6');
    expect(model.provider).toBe('glm');
    expect(model.model).toBe('glm-4.6');
    expect(model.options.volumeThreshold).toBe(2);
    expect(registry.get('kimi').options.volumeThreshold).toBe(5);
    expect(registry.get('glm/glm-4.6')).toBe(model);

    const task = failingTask();
    await rejection(model.execute(task));
    await rejection(model.execute(task));
    expect(model.state).toBe('open');
    expect(registry.get('glm').state).toBe('closed');
    const refused = await rejection(model.execute(task));
    expect(refused).toMatchObject({ code: 'circuit_open', provider: 'glm', model: 'glm-4.6' });
  });

  it('rejects invalid options when the registry is created', () => {
    expect(() => createBreakerRegistry({ perProvider: { glm: { resetTimeoutMs: -1 } } })).toThrow(/resetTimeoutMs/);
    registry = newRegistry();
    expect(registry.get('glm').options).toMatchObject({
      rollingWindowMs: 30_000,
      volumeThreshold: 5,
      errorThresholdPercentage: 50,
      resetTimeoutMs: 15_000,
      timeoutMs: false,
    });
  });
});
