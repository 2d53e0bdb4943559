import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('metrics', () => {
  it('reports in flight and queued, per provider and in total', async () => {
    const manager = createSessionManager({ perProvider: { default: 2, glm: 1 } });
    const blocker = gate();
    const calls = [
      ...Array.from({ length: 3 }, () => manager.run(() => blocker.promise, { provider: 'openai' })),
      ...Array.from({ length: 2 }, () => manager.run(() => blocker.promise, { provider: 'glm' })),
      manager.run(() => blocker.promise),
    ];
    const metrics = manager.metrics();
    expect(metrics).toMatchObject({ inFlight: 4, queued: 2 });
    expect(metrics.perProvider).toEqual({ openai: { inFlight: 2, queued: 1 }, glm: { inFlight: 1, queued: 1 } });
    blocker.open();
    await Promise.all(calls);
    // Idle providers are dropped, so the map does not grow with every provider ever seen.
    expect(manager.metrics().perProvider).toEqual({});
  });

  it('counts totals by outcome', async () => {
    const manager = createSessionManager({ global: 1, maxQueue: 0 });
    await manager.run(async () => 1);
    await manager.runSettled(async () => Promise.reject(new Error('x')));
    await manager.runSettled(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { timeoutMs: 10 },
    );
    await manager.runSettled(async () => 1, { signal: AbortSignal.abort() });
    const blocker = gate();
    const running = manager.run(() => blocker.promise);
    await manager.runSettled(async () => 1);
    blocker.open();
    await running;
    expect(manager.metrics()).toMatchObject({
      totals: { completed: 2, failed: 2, timed_out: 1, cancelled: 1 },
      rejected: 2,
    });
  });

  it('computes latency and queue-wait percentiles over a bounded window of recent calls', async () => {
    const manager = createSessionManager({ latencyWindow: 10, global: 1 });
    // Old, slow calls fall out of the window.
    for (let index = 0; index < 3; index++) await manager.run(() => sleep(100));
    for (let index = 0; index < 10; index++) await manager.run(async () => index);
    const { latencyMs, queueWaitMs } = manager.metrics();
    expect(latencyMs.count).toBe(10);
    expect(latencyMs.p99).toBeLessThan(80); // the 100 ms calls have left the window
    expect(queueWaitMs.count).toBe(10);

    await Promise.all([manager.run(() => sleep(30)), manager.run(() => sleep(30))]);
    const after = manager.metrics();
    expect(after.latencyMs.p99).toBeGreaterThanOrEqual(55);
    expect(after.queueWaitMs.p99).toBeGreaterThanOrEqual(25);
    expect(after.latencyMs.p50).toBeLessThan(28); // a fast call, not one of the 30 ms ones
  });

  it('starts empty', () => {
    expect(createSessionManager().metrics()).toEqual({
      inFlight: 0,
      queued: 0,
      perProvider: {},
      totals: { completed: 0, failed: 0, timed_out: 0, cancelled: 0 },
      rejected: 0,
      abandoned: 0,
      conversations: 0,
      latencyMs: { p50: 0, p95: 0, p99: 0, count: 0 },
      queueWaitMs: { p50: 0, p95: 0, p99: 0, count: 0 },
      draining: false,
    });
  });
});
