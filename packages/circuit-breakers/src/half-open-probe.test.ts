import { describe, expect, it } from 'vitest';
import {
  advance,
  deferred,
  FAST,
  failingTask,
  isCircuitOpen,
  registriesPerTest,
  rejection,
  trip,
} from '../test/helpers.js';
import type { BreakerRegistry, BreakerStateEvent } from './index.js';

// The reset timer under fake timers: time moves only when the test advances it, so a loaded machine
// cannot make the breaker half-open early or late.
const newRegistry = registriesPerTest({ fakeTimers: true });
let registry: BreakerRegistry;

async function openBreaker(key: string) {
  const breaker = registry.get(key);
  await trip(breaker);
  expect(breaker.state).toBe('open');
  return breaker;
}

describe('half-open probe', () => {
  it('lets exactly one probe through when five callers arrive at once, then closes on its success', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = await openBreaker('glm');
    await advance(FAST.resetTimeoutMs + 50);
    expect(breaker.state).toBe('half_open');

    const probe = deferred<string>();
    let started = 0;
    const calls = Array.from({ length: 5 }, () =>
      breaker.execute(() => {
        started++;
        return probe.promise;
      }),
    );
    const settled = Promise.allSettled(calls);
    await advance(20);
    expect(started).toBe(1);
    probe.resolve('answer');
    const results = await settled;
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused).toHaveLength(4);
    for (const result of refused) expect(isCircuitOpen(result.reason)).toBe(true);
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(async () => 'flows')).resolves.toBe('flows');
  });

  it('opens again with a new reset timeout when the probe fails', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = await openBreaker('glm');
    const firstOpenedAt = registry.snapshot()[0]?.openedAt ?? 0;
    await advance(FAST.resetTimeoutMs + 50);
    const task = failingTask();
    await rejection(breaker.execute(task));
    expect(task.calls).toBe(1);
    expect(breaker.state).toBe('open');
    const snapshot = registry.snapshot()[0];
    expect(snapshot?.openedAt).toBeGreaterThan(firstOpenedAt);
    expect(snapshot?.nextAttemptAt).toBe((snapshot?.openedAt ?? 0) + FAST.resetTimeoutMs);
    expect(isCircuitOpen(await rejection(breaker.execute(task)))).toBe(true);
    expect(task.calls).toBe(1);
    await advance(FAST.resetTimeoutMs + 50);
    await expect(breaker.execute(async () => 'back')).resolves.toBe('back');
  });

  it('refuses with a retryAfterMs while the probe is in flight', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = await openBreaker('glm');
    await advance(FAST.resetTimeoutMs + 50);
    const probe = deferred<string>();
    const probing = breaker.execute(() => probe.promise);
    const refused = await rejection(breaker.execute(async () => 'never'));
    expect(refused).toMatchObject({ code: 'circuit_open', retryAfterMs: FAST.resetTimeoutMs });
    probe.resolve('ok');
    await probing;
  });

  it('starts a fresh window after closing: one failure does not re-open it', async () => {
    registry = newRegistry({ defaults: FAST });
    const breaker = await openBreaker('glm');
    await advance(FAST.resetTimeoutMs + 50);
    await breaker.execute(async () => 'probe');
    expect(breaker.state).toBe('closed');
    await rejection(breaker.execute(failingTask()));
    expect(breaker.state).toBe('closed');
    expect(registry.snapshot()[0]).toMatchObject({ calls: 1, failures: 1, rejections: 0 });
  });

  it('reports every transition to state listeners until they are removed', async () => {
    registry = newRegistry({ defaults: FAST });
    const events: BreakerStateEvent[] = [];
    const listener = (event: BreakerStateEvent) => events.push(event);
    registry.on('state', listener);
    const before = Date.now();
    const breaker = await openBreaker('glm/glm-4.6');
    await advance(FAST.resetTimeoutMs + 50);
    await breaker.execute(async () => 'probe');
    expect(events.map(({ from, to }) => `${from}->${to}`)).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
    ]);
    expect(events[0]).toMatchObject({ key: 'glm/glm-4.6', provider: 'glm', model: 'glm-4.6' });
    expect(events[0]?.at).toBeGreaterThanOrEqual(before);
    registry.off('state', listener);
    await openBreaker('glm/glm-4.6');
    expect(events).toHaveLength(3);
  });
});
