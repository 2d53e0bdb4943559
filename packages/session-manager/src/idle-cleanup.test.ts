import { describe, expect, it } from 'vitest';
import { gate, sleep } from '../test/helpers.js';
import { createSessionManager } from './index.js';

describe('queues are created on demand and dropped when idle', () => {
  it('keeps no queue for finished conversations or providers', async () => {
    const manager = createSessionManager({ historySize: 10 });
    const blocker = gate();
    const calls = Array.from({ length: 500 }, (_, index) =>
      manager.runSettled(() => (index % 50 === 0 ? blocker.promise : sleep(0)), {
        conversationId: `c${index}`,
        provider: `p${index % 7}`,
      }),
    );
    expect(manager.metrics().conversations).toBe(500);
    await Promise.all(calls.filter((_, index) => index % 50 !== 0));
    // Only the ten blocked conversations are live.
    expect(manager.metrics().conversations).toBe(10);
    blocker.open();
    await Promise.all(calls);
    expect(manager.metrics()).toMatchObject({ conversations: 0, perProvider: {} });
    expect(manager.list()).toHaveLength(10);
  });

  it('drops the queues of calls cancelled or timed out while waiting', async () => {
    const manager = createSessionManager({ perProvider: 1 });
    const blocker = gate();
    const running = manager.run(() => blocker.promise, { provider: 'p', conversationId: 'a' });
    const controller = new AbortController();
    const cancelled = manager.runSettled(async () => 1, {
      provider: 'p',
      conversationId: 'b',
      signal: controller.signal,
    });
    const timedOut = manager.runSettled(async () => 1, { provider: 'p', conversationId: 'c', timeoutMs: 10 });
    expect(manager.metrics().conversations).toBe(3);
    controller.abort();
    await cancelled;
    await timedOut;
    await sleep(1);
    expect(manager.metrics().conversations).toBe(1);
    blocker.open();
    await running;
    await sleep(1);
    expect(manager.metrics()).toMatchObject({ conversations: 0, perProvider: {} });
  });
});
