import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { gate } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('maxQueue', () => {
  it('past maxQueue waiting calls, run fails at once with QueueFullError', async () => {
    const manager = createSessionManager({ global: 2, maxQueue: 3 });
    const blocker = gate();
    const accepted = Array.from({ length: 5 }, () => manager.run(() => blocker.promise));
    expect(manager.metrics()).toMatchObject({ inFlight: 2, queued: 3 });
    let ran = false;
    const started = performance.now();
    const error = await manager
      .run(
        async () => {
          ran = true;
        },
        { provider: 'openai' },
      )
      .catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1_000); // at once: the queued calls never end on their own
    expect(GatewayError.isInstance(error) && error.code).toBe('queue_full');
    expect((error as GatewayError).name).toBe('QueueFullError');
    expect((error as GatewayError).statusCode).toBe(429);
    expect((error as GatewayError).isRetryable).toBe(true);
    expect(ran).toBe(false);
    expect(manager.metrics()).toMatchObject({ queued: 3, rejected: 1, totals: { failed: 1 } });
    blocker.open();
    await Promise.all(accepted);
  });

  it('counts waiting calls of every provider and conversation together', async () => {
    const manager = createSessionManager({ perProvider: 1, maxQueue: 2 });
    const blocker = gate();
    const calls = [
      manager.run(() => blocker.promise, { provider: 'a' }),
      manager.run(() => blocker.promise, { provider: 'a' }),
      manager.run(() => blocker.promise, { provider: 'b' }),
      manager.run(() => blocker.promise, { provider: 'b' }),
    ];
    expect(manager.metrics().queued).toBe(2);
    await expect(manager.run(async () => 1, { provider: 'a' })).rejects.toMatchObject({ code: 'queue_full' });
    await expect(manager.run(async () => 1, { provider: 'c' })).resolves.toBe(1);
    blocker.open();
    await Promise.all(calls);
  });

  it('maxQueue 0 lets calls that can start now run, and turns away any that would wait', async () => {
    const manager = createSessionManager({ global: 1, maxQueue: 0 });
    const blocker = gate();
    const running = manager.run(() => blocker.promise);
    await expect(manager.run(async () => 1)).rejects.toMatchObject({ code: 'queue_full' });
    blocker.open();
    await running;
    await expect(manager.run(async () => 2)).resolves.toBe(2);
  });

  it('frees room as waiting calls start', async () => {
    const manager = createSessionManager({ global: 1, maxQueue: 1 });
    const first = gate();
    const a = manager.run(() => first.promise);
    const b = manager.run(async () => 'b');
    await expect(manager.run(async () => 'c')).rejects.toMatchObject({ code: 'queue_full' });
    first.open();
    await a;
    await b;
    await expect(manager.run(async () => 'd')).resolves.toBe('d');
  });
});
